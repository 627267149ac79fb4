"""Webhook ingest: dedupe each event and queue one outbox job per new one, atomically.

Bookable's docs do not say whether `lastUpdate` is always sent (bookable-api.md §8.2). An
event without it is deduplicated on its booking, status and a digest of the booking's
content (`content_key`), and is ordered by arrival: its outbox job sorts after every job of
the booking that came before it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, tuple_

from bot.store.core import StoreCore
from bot.store.records import IncomingEvent, IngestResult
from bot.store.schema import bookings, outbox, webhook_events
from bot.store.timeutil import time_key

PENDING = "pending"
# Sorts before every time_key (digits) and after the legacy "" of untimed events.
CONTENT_KEY_PREFIX = "#"
_KEY_LENGTH = 32  # webhook_events.last_update_key


def content_key(payload: dict[str, Any]) -> str:
    """The dedupe key of an event without `lastUpdate`: a digest of the booking's content,
    so a redelivery matches and a different change does not."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return CONTENT_KEY_PREFIX + digest[: _KEY_LENGTH - len(CONTENT_KEY_PREFIX)]


def _event_row(event: IncomingEvent, received_at: dt.datetime) -> dict[str, Any]:
    if event.last_update is not None:
        key = time_key(event.last_update)
    else:
        key = content_key(event.payload)
    return {
        "booking_id": event.booking_id,
        "status": event.status.strip().lower(),
        "last_update": event.last_update,
        "last_update_key": key,
        "event_type": event.event_type,
        "venue_name": event.venue_name,
        "group_name": event.group_name,
        "payload": event.payload,
        "received_at": received_at,
    }


class WebhooksMixin(StoreCore):
    async def ingest_webhook(self, events: list[IncomingEvent]) -> IngestResult:
        """Store new events and their outbox jobs in one transaction; skip duplicates.

        A duplicate has the same (booking, last update, status) as an event already
        stored or earlier in the same batch (without `lastUpdate`: the same booking,
        status and content). Three statements whatever the batch size.
        """
        if not events:
            return IngestResult(accepted=0, duplicates=0)
        now = self._now()
        unique: dict[tuple[str, str, str], dict[str, Any]] = {}
        for event in events:
            row = _event_row(event, now)
            unique.setdefault((row["booking_id"], row["last_update_key"], row["status"]), row)
        store_events = (
            self._insert(webhook_events)
            .on_conflict_do_nothing(
                index_elements=[
                    webhook_events.c.booking_id,
                    webhook_events.c.last_update_key,
                    webhook_events.c.status,
                ]
            )
            .returning(
                webhook_events.c.id,
                webhook_events.c.booking_id,
                webhook_events.c.status,
                webhook_events.c.last_update,
                webhook_events.c.last_update_key,
                sort_by_parameter_order=True,
            )
        )
        async with self._write(urgent=True) as connection:
            stored = (await connection.execute(store_events, list(unique.values()))).all()
            if stored:
                order_keys = await _order_keys(connection, stored)
                jobs = [
                    {
                        "event_id": row.id,
                        "booking_id": row.booking_id,
                        "status": row.status,
                        "last_update": row.last_update,
                        "order_key": order_key,
                        "state": PENDING,
                        "available_at": now,
                        "attempts": 0,
                        "progress": {},
                        "created_at": now,
                    }
                    for row, order_key in zip(stored, order_keys, strict=True)
                ]
                await connection.execute(insert(outbox), jobs)
        return IngestResult(accepted=len(stored), duplicates=len(events) - len(stored))

    async def is_creation_event(self, event_id: int) -> bool:
        """Whether this event only reports the creation of a booking made through the app.

        Decided from the store, not from `eventType` (spec 1.2.0 sends creations as
        booking.updated): its status is the one the app recorded at creation and no event
        of the booking comes before it (by `lastUpdate` when both have one, else by
        arrival). Bookable sends the creation first; an event that only looks like it
        (the creation's status, its predecessors still on their way) is the price of not
        knowing more.
        """
        event = (
            select(webhook_events.c.id)
            .join(bookings, bookings.c.booking_id == webhook_events.c.booking_id)
            .where(
                webhook_events.c.id == event_id,
                bookings.c.original_status == webhook_events.c.status,
                ~_earlier_event(event_id).exists(),
            )
        )
        async with self._read() as connection:
            return (await connection.execute(event)).first() is not None

    async def status_before(
        self, booking_id: str, last_update: dt.datetime | None, *, event_id: int | None = None
    ) -> str | None:
        """The status a booking had before the update at `last_update` (for "old → new").

        With the update's `event_id`: the status of the event just before it in the
        booking's delivery order (by `lastUpdate`, untimed events by arrival). Otherwise
        the latest stored event strictly before `last_update` (untimed events count as
        earliest). Else the status the booking was first saved with, else None.
        """
        this = outbox.alias("this")
        by_order = (
            select(webhook_events.c.status)
            .join(outbox, outbox.c.event_id == webhook_events.c.id)
            .join(this, this.c.event_id == event_id)
            .where(
                outbox.c.booking_id == booking_id,
                tuple_(outbox.c.order_key, outbox.c.id) < tuple_(this.c.order_key, this.c.id),
            )
            .order_by(outbox.c.order_key.desc(), outbox.c.id.desc())
            .limit(1)
        )
        by_time = (
            select(webhook_events.c.status)
            .where(
                webhook_events.c.booking_id == booking_id,
                webhook_events.c.last_update_key < time_key(last_update),
            )
            .order_by(
                webhook_events.c.last_update.is_(None),  # timestamped ones first
                webhook_events.c.last_update_key.desc(),
                webhook_events.c.id.desc(),
            )
            .limit(1)
        )
        original = select(bookings.c.original_status).where(bookings.c.booking_id == booking_id)
        async with self._read() as connection:
            previous = by_order if event_id is not None else by_time
            status = (await connection.execute(previous)).scalar_one_or_none()
            if status is None:
                status = (await connection.execute(original)).scalar_one_or_none()
        return status


def _earlier_event(event_id: int) -> Any:
    """Events of the same booking that come before `event_id`: by `lastUpdate` when both
    have one, else by arrival."""
    this = webhook_events.alias("this")
    other = webhook_events.alias("other")
    both_timed = and_(this.c.last_update.is_not(None), other.c.last_update.is_not(None))
    return select(other.c.id).where(
        this.c.id == event_id,
        other.c.booking_id == this.c.booking_id,
        other.c.id != this.c.id,
        or_(
            and_(both_timed, other.c.last_update_key < this.c.last_update_key),
            and_(~both_timed, other.c.id < this.c.id),
            and_(other.c.last_update_key == this.c.last_update_key, other.c.id < this.c.id),
        ),
    )


async def _order_keys(connection: Any, stored: list[Any]) -> list[str]:
    """Each new job's place in its booking's order: its `lastUpdate`, or, without one, just
    after every job of the booking that arrived before it (ties go by job id)."""
    booking_ids = sorted({row.booking_id for row in stored})
    latest = (
        select(outbox.c.booking_id, func.max(outbox.c.order_key))
        .where(outbox.c.booking_id.in_(booking_ids))
        .group_by(outbox.c.booking_id)
    )
    running: dict[str, str] = {
        booking_id: key or "" for booking_id, key in (await connection.execute(latest)).all()
    }
    keys = []
    for row in stored:
        so_far = running.get(row.booking_id, "")
        key = time_key(row.last_update) if row.last_update is not None else so_far
        running[row.booking_id] = max(so_far, key)
        keys.append(key)
    return keys
