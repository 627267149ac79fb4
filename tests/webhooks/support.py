"""Helpers for the webhook tests: signing, envelopes, seeded bookings, Postgres isolation."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.devtools.fake_slack import FakeSlack
from bot.devtools.serving import free_port
from bot.store import BookingRecord, Store

PG_SKIP = "TEST_DATABASE_URL not set: Postgres variants need a server"
WEBHOOK_SECRET = "whsec-" + "7f3a9c1e5b" * 3
BASE_TIME = dt.datetime(2025, 6, 17, 9, 0, tzinfo=dt.UTC)


def postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP)
    return url


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A fresh, empty Postgres database (URL-only, so subprocesses can use it too)."""
    admin_url = postgres_url()
    name = f"webhooks_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def sign(body: bytes, secret: str = WEBHOOK_SECRET, encoding: str = "hex") -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    if encoding == "hex":
        return digest.hex()
    if encoding == "HEX":
        return digest.hex().upper()
    if encoding == "base64":
        return base64.b64encode(digest).decode()
    raise ValueError(encoding)


def at(minutes: float) -> dt.datetime:
    return BASE_TIME + dt.timedelta(minutes=minutes)


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def booking_json(
    booking_id: str,
    status: str,
    last_update: dt.datetime,
    *,
    venue: str = "Dishoom Shoreditch",
    group: str = "Dishoom",
    reason: str | None = None,
) -> dict[str, Any]:
    booking: dict[str, Any] = {
        "id": booking_id,
        "compositeId": "29|CO|275cc44dd2e2496fba44857c9257443a|d99128c546b34b619c4477b712869f2b",
        "date": "2025-06-25",
        "time": "19:30:00",
        "partySize": 4,
        "status": status,
        "reference": "REF-" + booking_id[-6:],
        "firstName": "John",
        "lastName": "Doe",
        "email": "john.doe@example.com",
        "phone": "+1234567890",
        "createdDate": "2025-06-17T09:00:00Z",
        "lastUpdate": iso(last_update),
        "venueName": venue,
        "venueGroupName": group,
    }
    if reason:
        booking["reason"] = reason
    return booking


def envelope(*bookings: dict[str, Any], event_type: str = "booking.updated") -> bytes:
    return json.dumps(
        {"eventType": event_type, "timestamp": iso(BASE_TIME), "bookings": list(bookings)}
    ).encode()


def booking_record(
    booking_id: str,
    *,
    channel_id: str = "C_GENERAL",
    message_ts: str | None = None,
    user_id: str = "U_ALICE",
    status: str = "pending",
    venue: str = "Dishoom Shoreditch",
) -> BookingRecord:
    return BookingRecord(
        booking_id=booking_id,
        team_id="T0PLAYGRND",
        user_id=user_id,
        channel_id=channel_id,
        message_ts=message_ts,
        venue_name=venue,
        venue_group="Dishoom",
        product_name="Dinner",
        composite_id="29|CO|275cc44dd2e2496fba44857c9257443a|d99128c546b34b619c4477b712869f2b",
        date=dt.date(2025, 6, 25),
        time="19:30",
        party_size=4,
        status=status,
        operator_ref="OP-1",
    )


async def seed_booking(
    store: Store,
    fake: FakeSlack,
    booking_id: str,
    *,
    channel_id: str = "C_GENERAL",
    status: str = "pending",
) -> BookingRecord:
    """A booking made through the app: its confirmation message in Slack, then the record.

    The message goes straight into the fake's workspace, so seeding never spends the
    channel's rate limit.
    """
    with fake.lock:
        posted = fake.workspace.messages.post(channel_id, text=f"Booking {booking_id}")
    record = booking_record(booking_id, channel_id=channel_id, message_ts=posted.ts, status=status)
    await store.save_booking(record)
    return record


async def outbox_drained(store: Store, *, within: float = 60.0) -> None:
    """Until no outbox job is pending or leased: a positive signal that every post the
    stored events cause has been made (a liveness bound, not a speed check)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        stats = await store.outbox_stats()
        if stats["pending"] == 0 and stats["leased"] == 0:
            return
        if loop.time() > deadline:
            raise AssertionError(f"outbox not drained within {within}s: {stats}")
        await asyncio.sleep(0.05)


# What `BookingService.create` stores with a submission (`submission_context`).
SUBMISSION_CONTEXT: dict[str, Any] = {
    "team_id": "T0PLAYGRND",
    "user_id": "U_ALICE",
    "channel_id": "C_GENERAL",
    "composite_id": "29|CO|275cc44dd2e2496fba44857c9257443a|d99128c546b34b619c4477b712869f2b",
    "venue_name": "Dishoom <Shoreditch>",
    "product_name": "Dinner",
    "venue_group": "Dishoom",
    "date": "2025-06-25",
    "time": "19:30",
    "party_size": 4,
}


def confirmations(fake: FakeSlack, channel: str = "C_GENERAL") -> list[dict[str, Any]]:
    """Booking confirmation messages posted in `channel`."""
    return [m for m in fake.messages(channel) if str(m.get("text", "")).startswith("Booking at")]


class ServeProcess:
    """`python -m bot serve [args]` as a real subprocess, on a fixed port so it can come
    back."""

    def __init__(
        self, env: dict[str, str], cwd: Path, name: str, args: tuple[str, ...] = ()
    ) -> None:
        self.port = free_port()
        self.args = args
        self.env = {**env, "PORT": str(self.port)}
        self.cwd = cwd
        self.log = cwd / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", *self.args],
                env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited early:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"serve did not become healthy:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
