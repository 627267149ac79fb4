"""Soak: 1,000 signed webhooks through real `bookable-bot serve` processes, one SIGKILLed.

50 bookings made through the app (records + confirmation messages seeded directly), 18
distinct status updates each: the first is the booking's creation event (sent first, as
Bookable does when the booking is made; it is no news, so it gets no reply), the other 17
are delivered shuffled with about 10% redeliveries, while the fake Slack fails with 500s and
429s at first and a serving process is killed -9 and restarted mid-run. Done when every
distinct change after the creation has exactly one thread reply, every confirmation message
shows its booking's newest status, and no message ever went back to an older status.
SQLite with one serving process; Postgres (TEST_DATABASE_URL) with two.

Run alone: `pytest tests/webhooks/test_soak.py -q -s` (about 30-60 s per database).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from bot.devtools.fake_slack import BOT_USER_ID, Channel, FakeSlack
from bot.devtools.serving import BackgroundServer
from bot.notify.notifier import METADATA_EVENT_TYPE
from bot.slack.blocks.booking import booking_message
from bot.store import Store
from bot.store.timeutil import to_utc

from .conftest import BOT_TOKEN
from .support import (
    WEBHOOK_SECRET,
    ServeProcess,
    at,
    booking_json,
    booking_record,
    envelope,
    outbox_drained,
    postgres_database,
    sign,
)

pytestmark = [pytest.mark.soak, pytest.mark.timeout(240)]

BOOKINGS = 50
UPDATES_PER_BOOKING = 18  # 900 distinct updates + 100 redeliveries = 1,000 webhooks
REDELIVERIES = 100
CHANNELS = 10
RANK = {"pending": 0, "confirmed": 1, "completed": 2, "cancelled": 2, "no-show": 2}


@dataclass(frozen=True)
class Update:
    booking_id: str
    index: int
    status: str
    body: bytes


def _plan(seed: int) -> tuple[list[Update], list[bytes], list[bytes]]:
    """Each booking: pending ×6, confirmed ×6, then one final status ×6 (statuses never go
    back, so any older status reappearing on a message is a stale overwrite). Returns the
    updates, the creation events (index 0) and the shuffled deliveries of the rest."""
    rng = random.Random(seed)
    updates = []
    for b in range(BOOKINGS):
        booking_id = f"29|CO|soak{b:03d}"
        final = rng.choice(["completed", "cancelled", "no_show"])
        for i in range(UPDATES_PER_BOOKING):
            status = ("pending", "confirmed", final)[i // 6]
            body = envelope(booking_json(booking_id, status, at(i), reason=f"update {b}-{i}"))
            updates.append(Update(booking_id, i, status, body))
    creations = [u.body for u in updates if u.index == 0]
    later = [u.body for u in updates if u.index > 0]
    deliveries = later + [u.body for u in rng.sample(updates, REDELIVERIES)]
    rng.shuffle(deliveries)
    return updates, creations, deliveries


@pytest.fixture
def soak_fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(bot_token=BOT_TOKEN)
    for n in range(CHANNELS):
        slack.add_channel(Channel(f"C_SOAK{n}", f"soak-{n}", [BOT_USER_ID]))
    with BackgroundServer(slack.app) as server:
        slack.base_url = server.url
        yield slack
        slack.close_streams()


@pytest.fixture(params=["sqlite", "postgres"])
async def soak_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'soak.db'}"
        return
    async with postgres_database() as url:
        yield url


async def _deliver(servers: list[ServeProcess], bodies: list[bytes], stop_at: float) -> int:
    """Send every body until it gets a 2xx, as Bookable retries; returns the retries."""
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for n, body in enumerate(bodies):
        queue.put_nowait((n, body))
    retries = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal retries
        while not queue.empty():
            n, body = queue.get_nowait()
            attempt = 0
            while True:
                server = servers[(n + attempt) % len(servers)]
                headers = {"content-type": "application/json", "x-api-key": sign(body)}
                with contextlib.suppress(httpx.HTTPError):
                    answer = await client.post(
                        f"{server.url}/webhooks/bookable", content=body, headers=headers
                    )
                    if answer.is_success:
                        break
                    assert answer.status_code in (502, 503), answer.text
                attempt += 1
                retries += 1
                assert time.monotonic() < stop_at, "webhooks could not be delivered"
                await asyncio.sleep(0.05)

    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(8)))
    return retries


async def test_soak(soak_db: str, soak_fake: FakeSlack, tmp_path: Path) -> None:
    fake = soak_fake
    processes = 1 if soak_db.startswith("sqlite") else 2
    updates, creations, deliveries = _plan(seed=2025)
    assert len(creations) + len(deliveries) == 1000

    # Bookings made through the app: a record and a confirmation message each.
    store = await Store.connect(soak_db)
    message_of: dict[str, tuple[str, str]] = {}
    try:
        for b in range(BOOKINGS):
            booking_id = f"29|CO|soak{b:03d}"
            channel = f"C_SOAK{b % CHANNELS}"
            with fake.lock:
                ts = fake.workspace.messages.post(channel, text=f"Booking {booking_id}").ts
            await store.save_booking(booking_record(booking_id, channel_id=channel, message_ts=ts))
            message_of[booking_id] = (channel, ts)
    finally:
        await store.close()

    env = {
        "PATH": os.environ.get("PATH", ""),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "soak-signing-secret-0123",
        "SLACK_API_URL": f"{fake.base_url}/api/",
        "BOOKABLE_ENV": "local",
        "BOOKABLE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DATABASE_URL": soak_db,
        "HOST": "127.0.0.1",
        "NOTIFIER_CHANNEL_RATE": "100",
        "NOTIFIER_CHANNEL_BURST": "10",
        "NOTIFIER_MAX_BACKOFF": "1",
        "LOG_LEVEL": "WARNING",
    }
    servers = [ServeProcess(env, tmp_path, f"serve{n}") for n in range(processes)]
    # Slack misbehaves for the first part of the run.
    fake.inject("chat.postMessage", status=500, count=40)
    fake.inject("chat.postMessage", status=429, retry_after=1, count=20)
    fake.inject("chat.update", status=500, count=20)
    replies_posted = 0

    def count_replies() -> int:
        return sum(len(fake.thread(ch, ts)) for ch, ts in message_of.values())

    try:
        for server in servers:
            server.start()
        started = time.monotonic()
        retries = await _deliver(servers, creations, started + 120)
        delivery = asyncio.create_task(_deliver(servers, deliveries, started + 120))

        # Kill -9 the first serving process once some work is done, then restart it.
        await fake.wait_for(lambda: count_replies() >= 150, within=60)
        servers[0].kill()
        await asyncio.to_thread(servers[0].start)
        retries += await delivery

        expected = BOOKINGS * (UPDATES_PER_BOOKING - 1)  # no reply for the creations
        await fake.wait_for(lambda: count_replies() >= expected, within=90)
        observer = await Store.connect(soak_db)
        try:  # every job finished: anything extra would have been posted by now
            await outbox_drained(observer, within=90)
        finally:
            await observer.close()
        replies_posted = count_replies()
        elapsed = time.monotonic() - started
    finally:
        for server in servers:
            server.stop()

    print(f"\nsoak: {processes} process(es), {replies_posted} replies in {elapsed:.1f}s, "
          f"{retries} webhook retries, {fake.rate_limited_count} Slack 429s")  # fmt: skip
    assert replies_posted == expected

    store = await Store.connect(soak_db)
    try:
        events = await _stored_events(store)
        planned = {(u.booking_id, u.index, u.status) for u in updates}
        assert set(events.values()) == planned  # every distinct update stored once
        for booking_id, (channel, ts) in message_of.items():
            replies = fake.thread(channel, ts)
            assert all(r["metadata"]["event_type"] == METADATA_EVENT_TYPE for r in replies)
            replied = [events[r["metadata"]["event_payload"]["event_id"]] for r in replies]
            wanted = {u for u in planned if u[0] == booking_id and u[1] > 0}
            assert len(replied) == len(wanted) and set(replied) == wanted, booking_id

            newest = max(wanted, key=lambda u: u[1])[2]
            record = await store.get_booking(booking_id)
            assert record is not None and record.status == newest
            parent = fake.message(channel, ts)
            assert parent is not None and parent["text"] == booking_message(record)["text"]

            shown = [_rank(call.args) for call in fake.calls_to("chat.update")
                     if call.args.get("ts") == ts and call.http_status == 200]  # fmt: skip
            assert shown == sorted(shown), f"stale overwrite on {booking_id}: {shown}"
        assert await store.outbox_stats() == {
            "pending": 0,
            "retrying": 0,
            "leased": 0,
            "done": BOOKINGS * UPDATES_PER_BOOKING,
            "dead": 0,
        }
    finally:
        await store.close()


async def _stored_events(store: Store) -> dict[int, tuple[str, int, str]]:
    """event id -> (booking id, update index, status), the index read back from lastUpdate."""
    query = text("SELECT id, booking_id, last_update, status FROM webhook_events")
    async with store.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    found = {}
    for event_id, booking_id, last_update, status in rows:
        moment = to_utc(last_update) if isinstance(last_update, dt.datetime) else None
        if moment is None:
            moment = to_utc(dt.datetime.fromisoformat(str(last_update)))
        index = round((moment - at(0)).total_seconds() / 60)
        found[int(event_id)] = (booking_id, index, status)
    return found


def _rank(args: dict[str, Any]) -> int:
    """How far along the status a chat.update shows is (see `_plan`)."""
    text = str(args.get("text", "")).lower()
    return max((rank for word, rank in RANK.items() if word in text), default=-1)
