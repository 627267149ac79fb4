"""What a user's App Home shows: their bookings split into upcoming and past, and the
subscriptions they set up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, func, not_, select

from bot.store.bookings import _RECORD_COLUMNS, _record
from bot.store.core import StoreCore
from bot.store.records import BookingRecord, Subscription
from bot.store.schema import bookings, subscriptions
from bot.store.subscriptions import _COLUMNS as _SUBSCRIPTION_COLUMNS
from bot.store.subscriptions import _subscription


@dataclass(frozen=True)
class HomeBookings:
    """One page of upcoming bookings (soonest first) and, when asked for, the newest past
    ones; the totals say how many there are in all."""

    upcoming: list[BookingRecord]
    upcoming_total: int
    past: list[BookingRecord]
    past_total: int


class HomeMixin(StoreCore):
    async def home_bookings(
        self,
        team_id: str,
        user_id: str,
        *,
        today: dt.date,
        closed_statuses: Collection[str],
        offset: int = 0,
        limit: int = 20,
        past_limit: int = 0,
    ) -> HomeBookings:
        """Upcoming: from `today` on and not in `closed_statuses`; past: the rest."""
        mine = and_(bookings.c.team_id == team_id, bookings.c.user_id == user_id)
        upcoming = and_(bookings.c.date >= today, bookings.c.status.not_in(list(closed_statuses)))
        counts = select(
            func.count().filter(upcoming).label("upcoming"),
            func.count().filter(not_(upcoming)).label("past"),
        ).where(mine)
        soonest = (bookings.c.date, bookings.c.time, bookings.c.booking_id)
        upcoming_page = (
            select(*_RECORD_COLUMNS)
            .where(mine, upcoming)
            .order_by(*soonest)
            .offset(max(offset, 0))
            .limit(limit)
        )
        newest_past = (
            select(*_RECORD_COLUMNS)
            .where(mine, not_(upcoming))
            .order_by(*(column.desc() for column in soonest))
            .limit(past_limit)
        )
        async with self._read() as connection:
            totals = (await connection.execute(counts)).one()
            shown = (await connection.execute(upcoming_page)).all()
            past = (await connection.execute(newest_past)).all() if past_limit > 0 else []
        return HomeBookings(
            upcoming=[_record(row) for row in shown],
            upcoming_total=int(totals.upcoming),
            past=[_record(row) for row in past],
            past_total=int(totals.past),
        )

    async def subscriptions_created_by(self, team_id: str, user_id: str) -> list[Subscription]:
        """The subscriptions this user set up, oldest first."""
        query = (
            select(*_SUBSCRIPTION_COLUMNS)
            .where(subscriptions.c.team_id == team_id, subscriptions.c.created_by == user_id)
            .order_by(subscriptions.c.id)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).all()
        return [_subscription(row) for row in rows]
