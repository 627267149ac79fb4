"""Booking reminders: scheduled in our own store, so a restart loses none, and leased, so
two serving processes never send the same one (bot/service/reminders.py decides when)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update

from bot.store.core import StoreCore
from bot.store.records import Reminder
from bot.store.schema import reminders
from bot.store.timeutil import to_utc

PENDING, LEASED, SENT, FAILED = "pending", "leased", "sent", "failed"
MAX_ERROR_LENGTH = 500

_COLUMNS = (
    reminders.c.booking_id,
    reminders.c.starts_at,
    reminders.c.due_at,
    reminders.c.state,
    reminders.c.attempts,
)


def _reminder(row: Any) -> Reminder:
    return Reminder(**row._asdict())


class RemindersMixin(StoreCore):
    async def schedule_reminder(
        self, booking_id: str, *, starts_at: dt.datetime, due_at: dt.datetime
    ) -> None:
        """Plan (or move) the booking's reminder. For the same start, a reminder already
        sent, given up on, or being sent (leased) stays as it is: a booking is reminded once
        per start time."""
        now = self._now()
        starts_at, due_at = to_utc(starts_at), to_utc(due_at)
        insert = self._insert(reminders).values(
            booking_id=booking_id,
            starts_at=starts_at,
            due_at=due_at,
            state=PENDING,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        new = insert.excluded
        same_start_finished = and_(
            reminders.c.starts_at == new.starts_at, reminders.c.state.in_((SENT, FAILED, LEASED))
        )
        statement = insert.on_conflict_do_update(
            index_elements=[reminders.c.booking_id],
            set_={
                "starts_at": new.starts_at,
                "due_at": new.due_at,
                "state": PENDING,
                "attempts": 0,
                "leased_by": None,
                "lease_until": None,
                "sent_at": None,
                "last_error": None,
                "updated_at": new.updated_at,
            },
            where=~same_start_finished,
        )
        async with self._write_statement() as connection:
            await connection.execute(statement)

    async def drop_reminder(self, booking_id: str) -> bool:
        """Remove a reminder not yet sent (a sent one is kept as the record that it was)."""
        statement = delete(reminders).where(
            reminders.c.booking_id == booking_id, reminders.c.state.in_((PENDING, LEASED))
        )
        async with self._write_statement() as connection:
            result = await connection.execute(statement)
        return result.rowcount > 0

    async def get_reminder(self, booking_id: str) -> Reminder | None:
        query = select(*_COLUMNS).where(reminders.c.booking_id == booking_id)
        async with self._read() as connection:
            row = (await connection.execute(query)).first()
        return _reminder(row) if row is not None else None

    async def next_reminder_due(self) -> dt.datetime | None:
        """When the earliest pending reminder is due (the playground skips to it)."""
        query = select(func.min(reminders.c.due_at)).where(reminders.c.state == PENDING)
        async with self._read() as connection:
            return (await connection.execute(query)).scalar_one_or_none()

    async def claim_due_reminders(
        self, worker_id: str, *, now: dt.datetime, limit: int, lease_seconds: float
    ) -> list[Reminder]:
        """Lease up to `limit` reminders due at `now` (or whose lease ran out) to `worker_id`,
        each once however many workers claim at the same time (`StoreCore._claim`)."""
        now = to_utc(now)
        claimable = or_(
            and_(reminders.c.state == PENDING, reminders.c.due_at <= now),
            and_(reminders.c.state == LEASED, reminders.c.lease_until <= now),
        )
        rows = await self._claim(
            reminders.c.booking_id,
            claimable,
            order_by=[reminders.c.due_at, reminders.c.booking_id],
            limit=limit,
            values={
                "state": LEASED,
                "leased_by": worker_id,
                "lease_until": now + dt.timedelta(seconds=lease_seconds),
                "attempts": reminders.c.attempts + 1,
                "updated_at": self._now(),
            },
            returning=_COLUMNS,
        )
        return sorted((_reminder(row) for row in rows), key=lambda r: r.due_at)

    async def finish_reminder(self, reminder: Reminder, worker_id: str, *, state: str) -> bool:
        """`sent` (or `failed`: given up) while still leased by `worker_id`."""
        statement = (
            update(reminders)
            .where(_leased(reminder, worker_id))
            .values(state=state, sent_at=self._now(), lease_until=None, updated_at=self._now())
        )
        async with self._write_statement() as connection:
            result = await connection.execute(statement)
        return result.rowcount > 0

    async def release_reminder(
        self, reminder: Reminder, worker_id: str, *, retry_at: dt.datetime, error: str
    ) -> bool:
        """Back to pending until `retry_at` (a transient failure), still leased by us."""
        statement = (
            update(reminders)
            .where(_leased(reminder, worker_id))
            .values(
                state=PENDING,
                due_at=to_utc(retry_at),
                leased_by=None,
                lease_until=None,
                last_error=error[:MAX_ERROR_LENGTH],
                updated_at=self._now(),
            )
        )
        async with self._write_statement() as connection:
            result = await connection.execute(statement)
        return result.rowcount > 0


def _leased(reminder: Reminder, worker_id: str) -> Any:
    # Same start too: a reschedule while we held it made it a different reminder.
    return and_(
        reminders.c.booking_id == reminder.booking_id,
        reminders.c.state == LEASED,
        reminders.c.leased_by == worker_id,
        reminders.c.starts_at == to_utc(reminder.starts_at),
    )
