"""Webhook ingest: dedupe each event and queue one outbox job per new one, atomically."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select

from bot.store.core import StoreCore
from bot.store.records import IncomingEvent, IngestResult
from bot.store.schema import bookings, outbox, webhook_events
from bot.store.timeutil import time_key

PENDING = "pending"


def _event_row(event: IncomingEvent, received_at: dt.datetime) -> dict[str, Any]:
    return {
        "booking_id": event.booking_id,
        "status": event.status.strip().lower(),
        "last_update": event.last_update,
        "last_update_key": time_key(event.last_update),
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
        stored or earlier in the same batch. Two statements whatever the batch size.
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
            )
        )
        async with self._write(urgent=True) as connection:
            stored = (await connection.execute(store_events, list(unique.values()))).all()
            if stored:
                jobs = [
                    {
                        "event_id": row.id,
                        "booking_id": row.booking_id,
                        "status": row.status,
                        "last_update": row.last_update,
                        "order_key": row.last_update_key,
                        "state": PENDING,
                        "available_at": now,
                        "attempts": 0,
                        "progress": {},
                        "created_at": now,
                    }
                    for row in stored
                ]
                await connection.execute(insert(outbox), jobs)
        return IngestResult(accepted=len(stored), duplicates=len(events) - len(stored))

    async def status_before(self, booking_id: str, last_update: dt.datetime | None) -> str | None:
        """The status a booking had before the update at `last_update` (for "old → new").

        That is the latest stored event strictly before it (events without a timestamp
        count as earliest), else the status the booking was first saved with, else None.
        """
        previous_event = (
            select(webhook_events.c.status)
            .where(
                webhook_events.c.booking_id == booking_id,
                webhook_events.c.last_update_key < time_key(last_update),
            )
            .order_by(webhook_events.c.last_update_key.desc(), webhook_events.c.id.desc())
            .limit(1)
        )
        original = select(bookings.c.original_status).where(bookings.c.booking_id == booking_id)
        async with self._read() as connection:
            status = (await connection.execute(previous_event)).scalar_one_or_none()
            if status is None:
                status = (await connection.execute(original)).scalar_one_or_none()
        return status
