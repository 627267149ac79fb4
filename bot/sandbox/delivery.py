"""Webhook delivery: signed POSTs of the §8.2 envelope, retried with backoff, in order.

Each booking has its own queue so its events arrive in the order they happened; a failing
delivery holds back later events of the same booking until it succeeds or gives up, and
never those of other bookings. Deliveries run as asyncio tasks on the server's loop.

`WebhookVariant` (from the sandbox knobs) picks among the shapes Bookable's docs allow, so
tests can send each one (bookable-api.md §8.2, §8.3, §12.1):

* `event_types`: "spec" (the default: every event is `booking.updated`, the only value of
  the 1.2.0 enum) or "guide" (`booking.created` / `booking.updated` / `booking.cancelled`);
* `batch`: bookings per envelope. Above 1, events wait until that many are queued, for at
  most `BATCH_LINGER` seconds (or until someone waits for the deliveries), and then go
  out together on one shared queue, so order still holds;
* `omit`: optional fields to leave out of every booking (`OMITTABLE_FIELDS`, e.g.
  `lastUpdate`), or `bookings` to send envelopes without the array;
* `signature_upper` / `signature_prefix`: the hex signature in upper case and/or prefixed
  `sha256=` (the encoding is undocumented, §8.3).
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
SPEC_EVENT_TYPE = "booking.updated"  # the only eventType in spec 1.2.0
# §8.2 WebhookBooking fields whose requiredness is not documented ("?" or "no").
OPTIONAL_BOOKING_FIELDS = frozenset(
    {
        "company",
        "location",
        "duration",
        "productType",
        "notes",
        "source",
        "createdDate",
        "lastUpdate",
        "preorders",
        "preorderMenus",
    }
)
ENVELOPE_BOOKINGS = "bookings"  # "present when eventType is booking.*": may be absent
OMITTABLE_FIELDS = OPTIONAL_BOOKING_FIELDS | {ENVELOPE_BOOKINGS}
BATCH_LINGER = 1.0  # seconds a partial batch waits for more bookings
_BATCH_QUEUE = "*batched*"  # batched envelopes share one queue: one booking may be in many


@dataclass(frozen=True)
class WebhookVariant:
    """Which documented webhook shape to send (see the module docstring)."""

    event_types: str = "spec"
    batch: int = 1
    omit: frozenset[str] = frozenset()
    signature_upper: bool = False
    signature_prefix: bool = False

    def event_type(self, guide_type: str) -> str:
        return guide_type if self.event_types == "guide" else SPEC_EVENT_TYPE

    def booking(self, body: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in body.items() if key not in self.omit}

    def signature(self, value: str, encoding: str) -> str:
        if self.signature_upper and encoding != "base64":  # base64 is case-sensitive
            value = value.upper()
        return "sha256=" + value if self.signature_prefix else value


@dataclass
class WebhookRegistration:
    callback_url: str
    secret_key: str = field(repr=False)


@dataclass
class Delivery:
    id: int
    booking_id: str  # the first booking of the envelope
    event_type: str
    status: str  # the (first) booking's webhook status in this event
    body: bytes = field(repr=False)
    variant: WebhookVariant = field(default_factory=WebhookVariant)
    booking_ids: list[str] = field(default_factory=list)  # every booking of the envelope
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
            "booking_ids": self.booking_ids or [self.booking_id],
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
        self._batches: dict[tuple[str, WebhookVariant], list[dict[str, Any]]] = {}
        self._linger: asyncio.TimerHandle | None = None
        self._http: httpx.AsyncClient | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None

    def emit(
        self,
        event_type: str,
        bookings: list[dict[str, Any]],
        variant: WebhookVariant | None = None,
    ) -> Delivery | None:
        """Queue the event (`event_type` as the newest guide names it); nothing is sent (or
        recorded) when no webhook is registered. With `variant.batch` > 1 the bookings
        join a batch, and None is returned until it goes out."""
        variant = variant or WebhookVariant()
        if self.registration is None or not bookings:
            return None
        sent_type = variant.event_type(event_type)
        if variant.batch <= 1:
            return self._enqueue(sent_type, bookings, variant, queue=str(bookings[0]["id"]))
        batch = self._batches.setdefault((sent_type, variant), [])
        batch.extend(bookings)
        if len(batch) >= variant.batch:
            return self._flush(sent_type, variant)
        if self._linger is None:
            self._linger = asyncio.get_running_loop().call_later(BATCH_LINGER, self.flush)
        return None

    def flush(self) -> None:
        """Send every partial batch now."""
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        for sent_type, variant in list(self._batches):
            self._flush(sent_type, variant)

    def _flush(self, sent_type: str, variant: WebhookVariant) -> Delivery | None:
        bookings = self._batches.pop((sent_type, variant), [])
        if not bookings or self.registration is None:
            return None
        return self._enqueue(sent_type, bookings, variant, queue=_BATCH_QUEUE)

    def _enqueue(
        self, sent_type: str, bookings: list[dict[str, Any]], variant: WebhookVariant, queue: str
    ) -> Delivery:
        envelope: dict[str, Any] = {
            "eventType": sent_type,
            "timestamp": iso_z(self.clock.utcnow()),
        }
        if ENVELOPE_BOOKINGS not in variant.omit:
            envelope[ENVELOPE_BOOKINGS] = [variant.booking(booking) for booking in bookings]
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        first = bookings[0]
        delivery = Delivery(
            next(self._ids),
            first["id"],
            sent_type,
            first["status"],
            body,
            variant=variant,
            booking_ids=[str(booking["id"]) for booking in bookings],
        )
        self.records.append(delivery)
        self._queues.setdefault(queue, deque()).append(delivery)
        if queue not in self._workers:
            task = asyncio.get_running_loop().create_task(self._drain(queue))
            self._workers[queue] = task
        return delivery

    def busy(self) -> bool:
        return bool(self._workers) or bool(self._batches)

    async def wait_idle(self) -> None:
        """Send partial batches, then wait until every queued delivery has succeeded or
        given up (tests, bench)."""
        self.flush()
        while self._workers:
            # asyncio.wait, not gather: a caller's timeout must not cancel the deliveries
            await asyncio.wait(list(self._workers.values()))

    async def cancel_all(self) -> None:
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        self._batches.clear()
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

    async def _drain(self, key: str) -> None:
        queue = self._queues[key]
        try:
            while queue:
                await self._deliver(queue[0])
                queue.popleft()
        finally:
            self._queues.pop(key, None)
            self._workers.pop(key, None)

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
            "X-API-Key": delivery.variant.signature(
                sign(registration.secret_key, delivery.body, self.signature_encoding),
                self.signature_encoding,
            ),
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
