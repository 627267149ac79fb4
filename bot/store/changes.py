"""Changes made through the Change modal: at most one PATCH per modal, however often Slack
retries or the user clicks. The modal's key is claimed with one INSERT … ON CONFLICT DO
NOTHING before Bookable is called; a successful change then saves the booking's new details
and queues its "change" outbox job (thread note + message update) in one transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, delete, insert, or_, select, update

from bot.store.bookings import BookingsMixin
from bot.store.outbox import queued_job
from bot.store.records import BookingChange, BookingDetails, BookingRecord
from bot.store.schema import booking_changes, bookings, outbox
from bot.store.timeutil import time_key

IN_PROGRESS = "in_progress"
DONE = "done"
CHANGE_JOB_KEY = "change"  # a "change" job's progress names its change by this key

_CHANGE_COLUMNS = [
    booking_changes.c.key,
    booking_changes.c.booking_id,
    booking_changes.c.user_id,
    booking_changes.c.state,
    booking_changes.c.before,
    booking_changes.c.after,
]


def _change(row: Any) -> BookingChange:
    return BookingChange(
        key=row.key,
        booking_id=row.booking_id,
        user_id=row.user_id,
        state=row.state,
        before=BookingDetails.from_json(row.before),
        after=BookingDetails.from_json(row.after),
        notes_changed=bool(row.after.get("notes")),
    )


class ChangesMixin(BookingsMixin):
    async def begin_change(
        self,
        key: str,
        *,
        booking_id: str,
        team_id: str,
        user_id: str,
        before: BookingDetails,
        after: BookingDetails,
        notes_changed: bool = False,
    ) -> BookingChange:
        """State "new" for exactly one caller per key (it must finish or abandon it); the
        others get the change as stored ("in_progress" or "done")."""
        now = self._now()
        claim = (
            self._insert(booking_changes)
            .values(
                key=key,
                booking_id=booking_id,
                team_id=team_id,
                user_id=user_id,
                state=IN_PROGRESS,
                before=before.to_json(),
                after=after.to_json() | {"notes": notes_changed},
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=[booking_changes.c.key])
            .returning(booking_changes.c.key)
        )
        current = select(*_CHANGE_COLUMNS).where(booking_changes.c.key == key)
        for _ in range(5):  # the holder may abandon between our insert and our read
            async with self._write() as connection:
                if (await connection.execute(claim)).first() is not None:
                    return BookingChange(
                        key, booking_id, user_id, "new", before, after, notes_changed
                    )
                row = (await connection.execute(current)).first()
            if row is not None:
                return _change(row)
        raise RuntimeError(f"change key {key!r} keeps changing under us")

    async def get_change(self, key: str) -> BookingChange | None:
        query = select(*_CHANGE_COLUMNS).where(booking_changes.c.key == key)
        async with self._read() as connection:
            row = (await connection.execute(query)).first()
        return _change(row) if row is not None else None

    async def latest_change(self, booking_id: str) -> BookingChange | None:
        """The newest change of this booking made through the app (in progress or done)."""
        query = (
            select(*_CHANGE_COLUMNS)
            .where(booking_changes.c.booking_id == booking_id)
            .order_by(booking_changes.c.created_at.desc(), booking_changes.c.key.desc())
            .limit(1)
        )
        async with self._read() as connection:
            row = (await connection.execute(query)).first()
        return _change(row) if row is not None else None

    async def finish_change(self, key: str, record: BookingRecord) -> bool:
        """In progress → done, with the booking's new details (`record`) saved and its
        "change" job queued, in one transaction. False if it was not in progress."""
        now = self._now()
        finish = (
            update(booking_changes)
            .where(booking_changes.c.key == key, booking_changes.c.state == IN_PROGRESS)
            .values(state=DONE, updated_at=now)
        )
        async with self._write() as connection:
            if (await connection.execute(finish)).rowcount == 0:
                return False
            await connection.execute(self._details_update(record))
            job = queued_job("change", record.booking_id, record.status, now)
            job |= {"order_key": time_key(record.last_update), "progress": {CHANGE_JOB_KEY: key}}
            await connection.execute(insert(outbox).values(**job))
        return True

    async def abandon_change(self, key: str) -> None:
        """Forget a change Bookable refused, so the same modal can be corrected and sent."""
        async with self._write() as connection:
            await connection.execute(
                delete(booking_changes).where(
                    booking_changes.c.key == key, booking_changes.c.state == IN_PROGRESS
                )
            )

    def _details_update(self, record: BookingRecord) -> Any:
        newer = or_(bookings.c.last_update.is_(None), bookings.c.last_update < record.last_update)
        last_update = (
            case((newer, record.last_update), else_=bookings.c.last_update)
            if record.last_update is not None
            else bookings.c.last_update
        )
        return (
            update(bookings)
            .where(bookings.c.booking_id == record.booking_id)
            .values(
                date=record.date,
                time=record.time[:5],
                party_size=record.party_size,
                last_update=last_update,
                updated_at=self._now(),
            )
        )
