"""Webhook ingest: dedupe each event and queue one outbox job per new one, atomically.

Bookable's docs do not say whether `lastUpdate` is always sent (bookable-api.md §8.2). An
event without it is deduplicated on its booking, status and a digest of the booking's
content (`content_key`), and is ordered by arrival: its outbox job sorts after every job of
the booking that came before it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite

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
        "account_id": event.account_id,
    }


class WebhooksMixin(StoreCore):
    async def ingest_webhook(self, events: list[IncomingEvent]) -> IngestResult:
        """Store new events and their outbox jobs in one transaction; skip duplicates.

        A duplicate has the same (booking, last update, status) as an event already
        stored or earlier in the same batch (without `lastUpdate`: the same booking,
        status and content). Whatever the batch size: on Postgres one statement, atomic
        on its own, so one round trip; on SQLite three (no INSERT inside WITH there).
        """
        if not events:
            return IngestResult(accepted=0, duplicates=0)
        now = self._now()
        unique: dict[tuple[str, str, str], dict[str, Any]] = {}
        for event in events:
            row = _event_row(event, now)
            unique.setdefault((row["booking_id"], row["last_update_key"], row["status"]), row)
        rows = list(unique.values())
        if self.dialect == "postgresql":
            async with self._write_statement(urgent=True) as connection:
                statement = _ingest_statement(len(rows))
                queued = len((await connection.execute(statement, _ingest_params(rows, now))).all())
        else:
            async with self._write(urgent=True) as connection:
                queued = await _ingest_in_steps(connection, rows, now)
        return IngestResult(accepted=queued, duplicates=len(events) - queued)

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


# The dedupe key (a unique index) and what a stored event's job is made from.
_EVENT_KEY = [
    webhook_events.c.booking_id,
    webhook_events.c.last_update_key,
    webhook_events.c.status,
]
_STORED = (
    webhook_events.c.id,
    webhook_events.c.booking_id,
    webhook_events.c.status,
    webhook_events.c.last_update,
    webhook_events.c.last_update_key,
)


async def _ingest_in_steps(connection: Any, rows: list[dict[str, Any]], now: dt.datetime) -> int:
    """SQLite: store the events, then queue their jobs; the number of jobs queued."""
    store_events = (
        sqlite.insert(webhook_events)
        .on_conflict_do_nothing(index_elements=_EVENT_KEY)
        .returning(*_STORED, sort_by_parameter_order=True)
    )
    stored = (await connection.execute(store_events, rows)).all()
    if stored:
        order_keys = await _order_keys(connection, stored)
        jobs = [
            _job_row(row.id, row.booking_id, row.status, row.last_update, key, now)
            for row, key in zip(stored, order_keys, strict=True)
        ]
        await connection.execute(insert(outbox), jobs)
    return len(stored)


def _job_row(
    event_id: Any,
    booking_id: Any,
    status: Any,
    last_update: Any,
    order_key: Any,
    now: Any,
) -> dict[str, Any]:
    """An outbox job for a stored event (values or, on Postgres, SQL expressions)."""
    return {
        "event_id": event_id,
        "booking_id": booking_id,
        "status": status,
        "last_update": last_update,
        "order_key": order_key,
        "state": PENDING,
        "available_at": now,
        "attempts": 0,
        "progress": {},
        "created_at": now,
    }


# Every column but the id: what `_event_row` fills in.
_EVENT_COLUMNS = tuple(column.name for column in webhook_events.c if column.name != "id")


def _ingest_params(rows: list[dict[str, Any]], now: dt.datetime) -> dict[str, Any]:
    """`_ingest_statement`'s parameters for these event rows."""
    params: dict[str, Any] = {"now": now}
    for index, row in enumerate(rows):
        params.update({f"{name}_{index}": row[name] for name in _EVENT_COLUMNS})
    return params


@functools.lru_cache(maxsize=16)
def _ingest_statement(batch_size: int) -> Any:
    """Postgres: store `batch_size` events (duplicates skipped by ON CONFLICT) and queue a
    job for each one stored, in one statement; returns one row per job. Built from bound
    parameters (`_ingest_params`) once per batch size, so SQLAlchemy's compiled cache and
    asyncpg's prepared statements are reused.

    The order keys are `_order_keys`' in SQL: a timed event's key is its `lastUpdate` (its
    `last_update_key`); an untimed one's the highest key of its booking so far, i.e. of the
    jobs already queued and of the timed events stored before it in this batch (ids follow
    the batch's order, as SQLAlchemy's own ordered RETURNING relies on).
    """
    rows = [
        {
            name: bindparam(f"{name}_{index}", type_=webhook_events.c[name].type)
            for name in _EVENT_COLUMNS
        }
        for index in range(batch_size)
    ]
    new = (
        postgresql.insert(webhook_events)
        # A multi-row VALUES has no cache key; most deliveries carry one booking.
        .values(rows[0] if batch_size == 1 else rows)
        .on_conflict_do_nothing(index_elements=_EVENT_KEY)
        .returning(*_STORED)
        .cte("new_events")
    )
    queued = (
        select(outbox.c.booking_id, func.max(outbox.c.order_key).label("key"))
        .where(outbox.c.booking_id.in_(select(new.c.booking_id)))
        .group_by(outbox.c.booking_id)
        .cte("queued")
    )
    timed = new.c.last_update.is_not(None)
    earlier_in_batch = func.max(case((timed, new.c.last_update_key))).over(
        partition_by=new.c.booking_id, order_by=new.c.id, rows=(None, -1)
    )
    order_key = case(
        (timed, new.c.last_update_key),
        else_=func.greatest(func.coalesce(queued.c.key, ""), func.coalesce(earlier_in_batch, "")),
    )
    job = _job_row(
        new.c.id,
        new.c.booking_id,
        new.c.status,
        new.c.last_update,
        order_key,
        bindparam("now", type_=outbox.c.created_at.type),
    )
    values = [
        value if isinstance(value, ColumnElement) else literal(value, outbox.c[name].type)
        for name, value in job.items()
    ]
    jobs = (
        select(*values)
        .select_from(new.outerjoin(queued, queued.c.booking_id == new.c.booking_id))
        .order_by(new.c.id)  # job ids in batch order too: equal order keys go by id
    )
    return insert(outbox).from_select(list(job), jobs).add_cte(new, queued).returning(outbox.c.id)


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
