"""Bookings made through the app, and their latest known status."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select, true, update
from sqlalchemy.engine import Row

from bot.store.core import StoreCore
from bot.store.records import BookingDetails, BookingRecord
from bot.store.schema import bookings
from bot.store.timeutil import to_utc

_RECORD_COLUMNS = [
    bookings.c.booking_id,
    bookings.c.team_id,
    bookings.c.user_id,
    bookings.c.channel_id,
    bookings.c.message_ts,
    bookings.c.venue_name,
    bookings.c.venue_group,
    bookings.c.product_name,
    bookings.c.composite_id,
    bookings.c.date,
    bookings.c.time,
    bookings.c.party_size,
    bookings.c.status,
    bookings.c.operator_ref,
    bookings.c.posted_in_dm,
    bookings.c.last_update,
    bookings.c.created_at,
    bookings.c.duration,
]


def _record(row: Row[Any]) -> BookingRecord:
    return BookingRecord(**row._asdict())


class BookingsMixin(StoreCore):
    async def save_booking(self, record: BookingRecord) -> None:
        """Insert or update. A stored status newer than the record's is kept."""
        async with self._write() as connection:
            await connection.execute(self._booking_upsert(record))

    def _booking_upsert(self, record: BookingRecord) -> Any:
        """The upsert `save_booking` runs, for use inside another write transaction."""
        now = self._now()
        status = record.status.strip().lower()
        values = {
            column.name: getattr(record, column.name)
            for column in _RECORD_COLUMNS
            if column.name not in ("status", "created_at")
        }
        values |= {
            "status": status,
            "original_status": status,
            "created_at": to_utc(record.created_at) if record.created_at else now,
            "updated_at": now,
        }
        insert = self._insert(bookings).values(**values)
        new = insert.excluded
        record_is_newer = or_(
            bookings.c.last_update.is_(None),
            new.last_update > bookings.c.last_update,
        )
        return insert.on_conflict_do_update(
            index_elements=[bookings.c.booking_id],
            set_={
                **{
                    name: new[name]
                    for name in values
                    if name not in ("booking_id", "original_status", "created_at", "last_update")
                },
                "status": case((record_is_newer, new.status), else_=bookings.c.status),
                "last_update": case(
                    (record_is_newer, new.last_update), else_=bookings.c.last_update
                ),
            },
        )

    async def set_booking_message(
        self,
        booking_id: str,
        channel_id: str,
        message_ts: str,
        *,
        posted_in_dm: bool | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "channel_id": channel_id,
            "message_ts": message_ts,
            "updated_at": self._now(),
        }
        if posted_in_dm is not None:
            values["posted_in_dm"] = posted_in_dm
        async with self._write_statement() as connection:
            await connection.execute(
                update(bookings).where(bookings.c.booking_id == booking_id).values(**values)
            )

    async def get_booking(self, booking_id: str) -> BookingRecord | None:
        query = select(*_RECORD_COLUMNS).where(bookings.c.booking_id == booking_id)
        async with self._read() as connection:
            row = (await connection.execute(query)).first()
        return _record(row) if row is not None else None

    async def venue_names(self, composite_id: str) -> tuple[str, str | None] | None:
        """(venue name, group name) of the newest app booking of this product, if any."""
        query = (
            select(bookings.c.venue_name, bookings.c.venue_group)
            .where(bookings.c.composite_id == composite_id, bookings.c.venue_name != "")
            .order_by(bookings.c.created_at.desc())
            .limit(1)
        )
        async with self._read() as connection:
            row = (await connection.execute(query)).first()
        return (row.venue_name, row.venue_group or None) if row is not None else None

    async def list_bookings_for_user(
        self, team_id: str, user_id: str, limit: int = 20
    ) -> list[BookingRecord]:
        """Newest first."""
        query = (
            select(*_RECORD_COLUMNS)
            .where(bookings.c.team_id == team_id, bookings.c.user_id == user_id)
            .order_by(bookings.c.created_at.desc(), bookings.c.booking_id.desc())
            .limit(limit)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).all()
        return [_record(row) for row in rows]

    async def apply_status(
        self,
        booking_id: str,
        status: str,
        last_update: dt.datetime | None,
        *,
        details: BookingDetails | None = None,
    ) -> bool:
        """Record a status only if it is newer than the stored one (or none is stored).

        Webhooks can arrive out of order; an older update must not undo a newer one.
        Without `last_update` (Bookable may omit it) arrival order decides: the status is
        recorded and the stored `last_update` (the newest Bookable time seen) is kept, so a
        later timestamped update is still compared with it.
        `details` (a webhook's date, time and party size) are recorded with the status, in
        the same statement and on the same condition.
        Returns whether the booking changed (False too for an unknown booking).
        """
        values: dict[str, Any] = {"status": status.strip().lower(), "updated_at": self._now()}
        if details is not None:
            values |= {
                "date": details.date,
                "time": details.time,
                "party_size": details.party_size,
            }
        is_newer: ColumnElement[bool]
        if last_update is None:
            is_newer = true()
        else:
            is_newer = or_(
                bookings.c.last_update.is_(None), bookings.c.last_update < to_utc(last_update)
            )
            values["last_update"] = last_update
        statement = (
            update(bookings).where(bookings.c.booking_id == booking_id, is_newer).values(**values)
        )
        async with self._write_statement() as connection:
            result = await connection.execute(statement)
        return result.rowcount > 0

    async def apply_details(
        self,
        booking_id: str,
        last_update: dt.datetime | None,
        *,
        date: dt.date | None = None,
        time: str | None = None,
        party_size: int | None = None,
        duration: int | None = None,
    ) -> bool:
        """Record a webhook's date, time (HH:MM), party size and duration, unless the stored
        booking already reflects a newer update (the same rule as `apply_status`; run it
        after `apply_status`, which it never undoes: `last_update` is left alone).
        Returns whether the booking changed."""
        given = {"date": date, "time": time, "party_size": party_size, "duration": duration}
        values: dict[str, Any] = {name: value for name, value in given.items() if value}
        if not values:
            return False
        current: ColumnElement[bool] = true()
        if last_update is not None:
            current = or_(
                bookings.c.last_update.is_(None), bookings.c.last_update <= to_utc(last_update)
            )
        changed = or_(*(bookings.c[name].is_distinct_from(value) for name, value in values.items()))
        statement = (
            update(bookings)
            .where(bookings.c.booking_id == booking_id, current, changed)
            .values(**values, updated_at=self._now())
        )
        async with self._write_statement() as connection:
            result = await connection.execute(statement)
        return result.rowcount > 0
