"""Webhook delivery: signed POSTs of the §8.2 envelope, retried with backoff, in order.

Each booking has its own queue so its events arrive in the order they happened; a failing
delivery holds back later events of the same booking until it succeeds or gives up, and
never those of other bookings. Deliveries run as asyncio tasks on the server's loop.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import ssl
from collections import deque
from dataclasses import dataclass, field
from functools import cache
from itertools import count
from typing import Any

import httpx

from bot.sandbox.clock import SandboxClock, iso_z

log = logging.getLogger(__name__)

MAX_RECORDS = 2000  # keep /_control/state small during benchmarks


@dataclass
class WebhookRegistration:
    callback_url: str
    secret_key: str = field(repr=False)


@dataclass
class Delivery:
    id: int
    booking_id: str
    event_type: str
    status: str  # the booking's webhook status in this event
    body: bytes = field(repr=False)
    state: str = "pending"  # pending → retrying → delivered | failed
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_at: float | None = None

    @property
    def delivered(self) -> bool:
        return self.state == "delivered"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "booking_id": self.booking_id,
            "event_type": self.event_type,
            "status": self.status,
            "state": self.state,
            "attempts": self.attempts,
            "delivered": self.delivered,
            "last_status_code": self.last_status_code,
            "last_error": self.last_error,
        }


@cache
def _tls_context() -> ssl.SSLContext:
    """Loading CA certificates takes a noticeable moment; do it once per process."""
    return ssl.create_default_context()


def sign(secret_key: str, body: bytes, encoding: str) -> str:
    digest = hmac.new(secret_key.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode() if encoding == "base64" else digest.hex()


class Deliverer:
    def __init__(
        self,
        clock: SandboxClock,
        *,
        signature_encoding: str,
        retry_unit_seconds: float,
        retry_schedule: tuple[float, ...],
        timeout: float,
    ) -> None:
        self.clock = clock
        self.signature_encoding = signature_encoding
        self.retry_unit_seconds = retry_unit_seconds
        self.retry_schedule = retry_schedule
        self.timeout = timeout
        self.registration: WebhookRegistration | None = None
        self.records: deque[Delivery] = deque(maxlen=MAX_RECORDS)
        self._ids = count(1)
        self._queues: dict[str, deque[Delivery]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._http: httpx.AsyncClient | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None

    def emit(self, event_type: str, bookings: list[dict[str, Any]]) -> Delivery | None:
        """Queue one envelope; nothing is sent (or recorded) when no webhook is registered."""
        if self.registration is None or not bookings:
            return None
        envelope = {
            "eventType": event_type,
            "timestamp": iso_z(self.clock.utcnow()),
            "bookings": bookings,
        }
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        booking = bookings[0]
        delivery = Delivery(next(self._ids), booking["id"], event_type, booking["status"], body)
        self.records.append(delivery)
        self._queues.setdefault(delivery.booking_id, deque()).append(delivery)
        if delivery.booking_id not in self._workers:
            task = asyncio.get_running_loop().create_task(self._drain(delivery.booking_id))
            self._workers[delivery.booking_id] = task
        return delivery

    def busy(self) -> bool:
        return bool(self._workers)

    async def wait_idle(self) -> None:
        """Wait until every queued delivery has succeeded or given up (tests, bench)."""
        while self._workers:
            # asyncio.wait, not gather: a caller's timeout must not cancel the deliveries
            await asyncio.wait(list(self._workers.values()))

    async def cancel_all(self) -> None:
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._workers.clear()
        self._queues.clear()
        self.records.clear()

    async def aclose(self) -> None:
        await self.cancel_all()
        if self._http is not None and self._http_loop is asyncio.get_running_loop():
            await self._http.aclose()
        self._http = self._http_loop = None

    async def _drain(self, booking_id: str) -> None:
        queue = self._queues[booking_id]
        try:
            while queue:
                await self._deliver(queue[0])
                queue.popleft()
        finally:
            self._queues.pop(booking_id, None)
            self._workers.pop(booking_id, None)

    async def _deliver(self, delivery: Delivery) -> None:
        waits = (0.0, *self.retry_schedule)
        for attempt, wait in enumerate(waits):
            if attempt:
                delivery.state = "retrying"
                delivery.next_attempt_at = self.clock.now() + wait * self.retry_unit_seconds
                await self.clock.sleep_until(delivery.next_attempt_at)
            if await self._attempt(delivery):
                delivery.state = "delivered"
                delivery.next_attempt_at = None
                return
        delivery.state = "failed"
        delivery.next_attempt_at = None
        log.warning("webhook delivery %s for %s gave up", delivery.id, delivery.booking_id)

    async def _attempt(self, delivery: Delivery) -> bool:
        registration = self.registration
        if registration is None:  # unregistered meanwhile: nowhere to send it
            delivery.last_error = "no webhook registered"
            return False
        delivery.attempts += 1
        headers = {
            "Content-Type": "application/json",
            "X-API-Key": sign(registration.secret_key, delivery.body, self.signature_encoding),
        }
        try:
            response = await self._client().post(
                registration.callback_url, content=delivery.body, headers=headers
            )
        except httpx.HTTPError as error:
            delivery.last_error = type(error).__name__
            delivery.last_status_code = None
            return False
        delivery.last_status_code = response.status_code
        delivery.last_error = None if response.is_success else f"HTTP {response.status_code}"
        return response.is_success

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._http is None or self._http_loop is not loop:
            # A state can outlive one server's loop; a pool is bound to the loop that made it.
            # trust_env=False: callbacks are loopback in dev; a proxy from the env must not apply.
            self._http = httpx.AsyncClient(
                timeout=self.timeout, trust_env=False, verify=_tls_context()
            )
            self._http_loop = loop
        return self._http
