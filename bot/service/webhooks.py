"""`POST /webhooks/bookable`: verify, parse, persist in one transaction, answer 204.

Slack is never called here. Accepted events land in the store's outbox together with
their dedupe keys, and the notifier is woken to deliver them.

Answers: 204 stored (or already stored), 400 malformed, 401 bad or missing signature,
413 body over 1 MiB, 503 when the secret or the database is unavailable (so Bookable
retries). Never 500, never half-written.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cachetools import TTLCache
from pydantic import ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from bot.bookable.models import EventType, WebhookEnvelope, WebhookStatus
from bot.logging_setup import register_secret
from bot.service.webhook_admin import secret_name
from bot.store.records import IncomingEvent

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import Store

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
SIGNATURE_HEADER = "x-api-key"
SECRET_NAME = "bookable_webhook_secret"
FORCED_REREAD_GAP = 1.0
_PREFIX = b"sha256="


class _BodyTooLarge(Exception):
    pass


class _BadRequest(Exception):
    """`reason` is safe to log: it never contains values from the body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def signature_encoding(header: bytes, secret: str, body: bytes) -> str | None:
    """Which encoding of HMAC-SHA256(secret, body) `header` carries, or None if none.

    Bookable's docs leave the encoding open (bookable-api.md §8.3), so lowercase or
    uppercase hex and standard base64 are accepted, with or without a `sha256=` prefix.
    Comparisons are constant time.
    """
    value = header.strip()
    if value[: len(_PREFIX)].lower() == _PREFIX:
        value = value[len(_PREFIX) :]
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    hex_ok = hmac.compare_digest(value.lower(), digest.hex().encode("ascii"))
    b64_ok = hmac.compare_digest(value, base64.b64encode(digest))
    if hex_ok:
        return "hex"
    if b64_ok:
        return "base64"
    return None


class WebhookSecretCache:
    """BOOKABLE_WEBHOOK_SECRET if set, else the stored secret, re-read every few seconds.

    A failed signature forces an early re-read (at most once a second) so a freshly
    registered secret is picked up at once.
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        ttl: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        name: str = SECRET_NAME,
    ) -> None:
        """`name`: the stored secret; BOOKABLE_WEBHOOK_SECRET overrides only the operator's."""
        self._store = store
        self._name = name
        self._override = settings.bookable_webhook_secret if name == SECRET_NAME else None
        self._value: TTLCache[str, str] = TTLCache(1, ttl, timer=clock)
        # Present for a second after each read: a forced re-read waits that long.
        self._just_read: TTLCache[str, bool] = TTLCache(1, FORCED_REREAD_GAP, timer=clock)

    async def get(self, *, refresh: bool = False) -> str | None:
        if self._override is not None:
            return self._override.get_secret_value()
        cached = self._value.get(self._name)
        if cached is not None and not (refresh and self._name not in self._just_read):
            return cached
        value = await self._store.get_secret(self._name)
        self._just_read[self._name] = True
        if value is not None:  # none stored yet: ask again next time
            self._value[self._name] = value
            register_secret(value)  # masked in logs, also after a restart
        return value


class WebhookIngest:
    """Serves `POST /webhooks/bookable`. Set `on_accepted` to wake the notifier."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        on_accepted: Callable[[], None] | None = None,
        account_id: str | None = None,
    ) -> None:
        """`account_id`: this endpoint serves a workspace's own Bookable account (its path
        `/webhooks/bookable/{account}`, its own secret); its events are tagged with it."""
        self._store = store
        self._account = account_id
        self._secrets = WebhookSecretCache(store, settings, name=secret_name(account_id))
        self._max_body = max_body_bytes
        self.on_accepted = on_accepted
        self._logged_encodings: set[str] = set()

    async def handle(self, request: Request) -> Response:
        try:
            body = await self._read_body(request)
        except _BodyTooLarge:
            log.warning("Bookable webhook rejected: body larger than %d bytes", self._max_body)
            return _problem(413, "request body too large")
        except _BadRequest as error:
            log.warning("Bookable webhook rejected: %s", error.reason)
            return _problem(400, error.reason)
        except ClientDisconnect:
            return Response(status_code=400)

        try:
            verdict = await self._verify(request.headers.get(SIGNATURE_HEADER), body)
        except Exception:  # the secret lives in the database: unavailable means retry later
            log.exception("Bookable webhook: could not load the signing secret")
            return _problem(503, "temporarily unavailable")
        if verdict is not None:
            return verdict

        try:
            events = parse_events(body)
        except _BadRequest as error:
            log.warning("Bookable webhook rejected: %s", error.reason)
            return _problem(400, error.reason)

        if not events:
            log.info("Bookable webhook without bookings (%s): nothing to store", _event_type(body))
            return Response(status_code=204)
        if self._account is not None:
            events = [dataclasses.replace(e, account_id=self._account) for e in events]
        try:
            result = await self._store.ingest_webhook(events)
        except Exception as error:  # any storage failure must make Bookable retry
            log.error(
                "Bookable webhook not stored (%s); answering 503 so Bookable retries",
                type(error).__name__,
            )
            return _problem(503, "temporarily unavailable")
        log.info(
            "Bookable webhook stored: %d new, %d duplicate (bookings %s)",
            result.accepted,
            result.duplicates,
            ", ".join(sorted({event.booking_id for event in events})[:5]),
        )
        if result.accepted and self.on_accepted is not None:
            self.on_accepted()
        return Response(status_code=204)

    async def _read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                raise _BadRequest("invalid Content-Length")
            if int(declared) > self._max_body:
                raise _BodyTooLarge
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self._max_body:
                raise _BodyTooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    async def _verify(self, header: str | None, body: bytes) -> Response | None:
        """None when the signature is good; otherwise the response to send."""
        secret = await self._secrets.get()
        if not secret:
            log.error(
                "Bookable webhook refused: no signing secret configured "
                "(run `bookable-bot webhooks register` or set BOOKABLE_WEBHOOK_SECRET)"
            )
            return _problem(503, "webhook secret not configured")
        if not header:
            log.warning("Bookable webhook rejected: missing X-API-Key signature")
            return _problem(401, "unauthorized")
        raw = header.encode("latin-1")
        encoding = signature_encoding(raw, secret, body)
        if encoding is None:
            fresh = await self._secrets.get(refresh=True)
            if fresh and fresh != secret:
                encoding = signature_encoding(raw, fresh, body)
        if encoding is None:
            log.warning("Bookable webhook rejected: invalid X-API-Key signature")
            return _problem(401, "unauthorized")
        if encoding not in self._logged_encodings:
            self._logged_encodings.add(encoding)
            log.info("Bookable webhook signatures arrive %s-encoded", encoding)
        return None


def parse_events(body: bytes) -> list[IncomingEvent]:
    """One event per booking in the envelope. Raises `_BadRequest` with a loggable reason."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _BadRequest(f"body is not JSON ({type(error).__name__})") from None
    if not isinstance(data, dict):
        raise _BadRequest("body is not a JSON object")
    try:
        envelope = WebhookEnvelope.model_validate(data)
    except ValidationError as error:
        raise _BadRequest("schema: " + _describe(error)) from None
    if not envelope.bookings:
        return []  # valid (§8.2: "present when eventType is booking.*"): nothing to store
    raw_bookings: list[Any] = data["bookings"]
    events: list[IncomingEvent] = []
    for booking, raw in zip(envelope.bookings, raw_bookings, strict=True):
        raw_status = raw.get("status")
        if not isinstance(raw_status, str) or not raw_status.strip():
            raise _BadRequest("schema: bookings[].status must be a non-empty string")
        # Keep statuses Bookable adds later as they came (lowercased), not as "unknown".
        status = (
            booking.status.value
            if booking.status is not WebhookStatus.UNKNOWN
            else raw_status.strip().lower()
        )
        events.append(
            IncomingEvent(
                booking_id=booking.id,
                status=status,
                last_update=booking.last_update,
                event_type=envelope.event_type.value,
                payload=raw,
                venue_name=booking.venue_name,
                group_name=booking.venue_group_name,
            )
        )
    return events


def _event_type(body: bytes) -> str:
    """The envelope's eventType for a log line (already parsed once; never body data)."""
    event_type = json.loads(body).get("eventType")
    return EventType(event_type).value if isinstance(event_type, str) else "no eventType"


def _describe(error: ValidationError) -> str:
    """Field paths and messages only: the body's personal data stays out of the logs."""
    parts = []
    for item in error.errors(include_input=False, include_url=False, include_context=False)[:5]:
        where = ".".join(str(part) for part in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def _problem(status: int, error: str) -> Response:
    return JSONResponse({"ok": False, "error": error}, status_code=status)


__all__ = [
    "MAX_BODY_BYTES",
    "AccountWebhooks",
    "WebhookIngest",
    "parse_events",
    "signature_encoding",
]


class AccountWebhooks:
    """`POST /webhooks/bookable/{account}`: one `WebhookIngest` per workspace account that
    exists (each with its own secret); None for an unknown one (answered 404)."""

    def __init__(
        self, store: Store, settings: Settings, *, on_accepted: Callable[[], None] | None = None
    ) -> None:
        self._store = store
        self._settings = settings
        self._on_accepted = on_accepted
        self._ingests: TTLCache[str, WebhookIngest] = TTLCache(10_000, 60.0)

    async def get(self, account_id: str) -> WebhookIngest | None:
        found = self._ingests.get(account_id)
        if found is not None:
            return found
        if (
            len(account_id) > 64
            or await self._store.bookable_account(account_id=account_id) is None
        ):
            return None
        ingest = WebhookIngest(
            self._store, self._settings, on_accepted=self._on_accepted, account_id=account_id
        )
        self._ingests[account_id] = ingest
        return ingest
