"""Team meal plans: the plan, its options and one vote per person.

A vote is one transaction keyed by (plan, person): the same option again removes it,
another option moves it. The primary key on (plan_id, user_id) makes concurrent clicks
upsert the one row, so no vote is lost or counted twice. The deadline and Book it claim
a plan with a lease (`open` → `booking`), so a winner is booked by one process at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import and_, delete, func, or_, select, update

from bot.store.core import StoreCore
from bot.store.records import Plan, PlanOption
from bot.store.schema import plan_options, plan_votes, plans
from bot.store.timeutil import to_utc

OPEN, BOOKING, BOOKED, CLOSED = "open", "booking", "booked", "closed"
VoteResult = Literal["in", "out", "closed"]  # now counted, removed, or the plan is closed

_PLAN_COLUMNS = (
    plans.c.plan_id,
    plans.c.team_id,
    plans.c.channel_id,
    plans.c.organiser_id,
    plans.c.message_ts,
    plans.c.note,
    plans.c.booker,
    plans.c.deadline,
    plans.c.state,
    plans.c.booked_position,
    plans.c.booking_id,
)


class PlansMixin(StoreCore):
    async def create_plan(
        self,
        plan_id: str,
        *,
        team_id: str,
        channel_id: str,
        organiser_id: str,
        note: str,
        booker: dict[str, str],
        deadline: dt.datetime | None,
        options: Sequence[PlanOption],
    ) -> None:
        now = self._now()
        async with self._write(urgent=True) as connection:
            await connection.execute(
                plans.insert().values(
                    plan_id=plan_id,
                    team_id=team_id,
                    channel_id=channel_id,
                    organiser_id=organiser_id,
                    note=note,
                    booker=booker,
                    deadline=to_utc(deadline) if deadline else None,
                    state=OPEN,
                    created_at=now,
                    updated_at=now,
                )
            )
            await connection.execute(
                plan_options.insert(),
                [
                    {
                        "plan_id": plan_id,
                        "position": option.position,
                        "composite_id": option.composite_id,
                        "venue_name": option.venue_name,
                        "product_name": option.product_name,
                        "date": option.date,
                        "time": option.time,
                        "gone": False,
                    }
                    for option in options
                ],
            )

    async def get_plan(self, plan_id: str) -> Plan | None:
        async with self._read() as connection:
            row = (
                await connection.execute(select(*_PLAN_COLUMNS).where(plans.c.plan_id == plan_id))
            ).first()
            if row is None:
                return None
            options = (
                await connection.execute(
                    select(plan_options)
                    .where(plan_options.c.plan_id == plan_id)
                    .order_by(plan_options.c.position)
                )
            ).all()
            votes = (
                await connection.execute(
                    select(plan_votes.c.user_id, plan_votes.c.position)
                    .where(plan_votes.c.plan_id == plan_id)
                    .order_by(plan_votes.c.voted_at, plan_votes.c.user_id)
                )
            ).all()
        values: dict[str, Any] = row._asdict()
        return Plan(
            **values,
            options=tuple(
                PlanOption(
                    position=o.position,
                    composite_id=o.composite_id,
                    venue_name=o.venue_name,
                    product_name=o.product_name,
                    date=o.date,
                    time=o.time,
                    gone=bool(o.gone),
                )
                for o in options
            ),
            votes={vote.user_id: vote.position for vote in votes},
        )

    async def plan_for_booking(self, booking_id: str) -> str | None:
        query = select(plans.c.plan_id).where(plans.c.booking_id == booking_id)
        async with self._read() as connection:
            return (await connection.execute(query)).scalar_one_or_none()

    async def set_plan_message(self, plan_id: str, message_ts: str) -> None:
        statement = (
            update(plans)
            .where(plans.c.plan_id == plan_id)
            .values(message_ts=message_ts, updated_at=self._now())
        )
        async with self._write_statement(urgent=True) as connection:
            await connection.execute(statement)

    async def vote(self, plan_id: str, user_id: str, position: int | None) -> VoteResult:
        """Toggle `user_id`'s vote for `position` (None: can't make it): the same choice
        again removes it, another replaces it. One transaction, in turn per plan on Postgres;
        refused once closed."""
        same = (
            plan_votes.c.position.is_(None)
            if position is None
            else plan_votes.c.position == position
        )
        mine = and_(plan_votes.c.plan_id == plan_id, plan_votes.c.user_id == user_id)
        now = self._now()
        upsert = self._insert(plan_votes).values(
            plan_id=plan_id, user_id=user_id, position=position, voted_at=now
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=[plan_votes.c.plan_id, plan_votes.c.user_id],
            set_={"position": upsert.excluded.position, "voted_at": upsert.excluded.voted_at},
        )
        async with self._write(urgent=True) as connection:
            # The plan row locked (Postgres): one person's two quick clicks are two toggles
            # in turn, never two inserts that both saw no vote.
            state = (
                await connection.execute(
                    select(plans.c.state).where(plans.c.plan_id == plan_id).with_for_update()
                )
            ).scalar_one_or_none()
            if state is None or state == CLOSED:
                return "closed"
            removed = await connection.execute(delete(plan_votes).where(mine, same))
            if removed.rowcount > 0:
                return "out"
            await connection.execute(upsert)
        return "in"

    async def claim_plan(self, plan_id: str, *, now: dt.datetime, lease_seconds: float) -> bool:
        """Take an open plan (or one whose booking lease ran out) to book its winner."""
        statement = (
            update(plans)
            .where(plans.c.plan_id == plan_id, _claimable(to_utc(now)))
            .values(**_lease(now, lease_seconds), updated_at=self._now())
        )
        async with self._write_statement(urgent=True) as connection:
            result = await connection.execute(statement)
        return result.rowcount > 0

    async def claim_due_plans(
        self, *, now: dt.datetime, limit: int, lease_seconds: float
    ) -> list[str]:
        """Lease the plans whose deadline has passed (read, locked, updated by id, as the
        reminders are claimed)."""
        now = to_utc(now)
        due = and_(_claimable(now), plans.c.deadline.is_not(None), plans.c.deadline <= now)
        rows = await self._claim(
            plans.c.plan_id,
            due,
            order_by=[plans.c.deadline],
            limit=limit,
            values={**_lease(now, lease_seconds), "updated_at": self._now()},
            returning=[plans.c.plan_id],
        )
        return [row.plan_id for row in rows]

    async def next_plan_deadline(self) -> dt.datetime | None:
        query = select(func.min(plans.c.deadline)).where(plans.c.state == OPEN)
        async with self._read() as connection:
            return (await connection.execute(query)).scalar_one_or_none()

    async def plan_booked(self, plan_id: str, *, position: int, booking_id: str) -> None:
        statement = (
            update(plans)
            .where(plans.c.plan_id == plan_id)
            .values(
                state=BOOKED,
                booked_position=position,
                booking_id=booking_id,
                lease_until=None,
                updated_at=self._now(),
            )
        )
        async with self._write_statement() as connection:
            await connection.execute(statement)

    async def reopen_plan(self, plan_id: str, *, gone: int | None = None) -> None:
        """Back to voting (the winner could not be booked); `gone`: that option's slot is
        taken, so it is not offered again."""
        async with self._write() as connection:
            if gone is not None:
                await connection.execute(
                    update(plan_options)
                    .where(plan_options.c.plan_id == plan_id, plan_options.c.position == gone)
                    .values(gone=True)
                )
            await connection.execute(
                update(plans)
                .where(plans.c.plan_id == plan_id, plans.c.state == BOOKING)
                .values(state=OPEN, lease_until=None, deadline=None, updated_at=self._now())
            )

    async def retry_plan_at(self, plan_id: str, at: dt.datetime) -> None:
        """A plan being booked whose outcome Bookable left unclear is claimed again (as a
        deadline) at `at`, once its lease has run out: the same idempotency key then finds
        the booking if it was made, or makes it."""
        statement = (
            update(plans)
            .where(plans.c.plan_id == plan_id, plans.c.state == BOOKING)
            .values(deadline=to_utc(at), updated_at=self._now())
        )
        async with self._write_statement() as connection:
            await connection.execute(statement)

    async def close_plan(self, plan_id: str) -> bool:
        """Closed for good (the organiser closed it, or its booking was cancelled)."""
        statement = (
            update(plans)
            .where(plans.c.plan_id == plan_id, plans.c.state != CLOSED)
            .values(state=CLOSED, lease_until=None, updated_at=self._now())
        )
        async with self._write_statement() as connection:
            result = await connection.execute(statement)
        return result.rowcount > 0


def _claimable(now: dt.datetime) -> Any:
    return or_(
        plans.c.state == OPEN,
        and_(plans.c.state == BOOKING, plans.c.lease_until <= now),
    )


def _lease(now: dt.datetime, lease_seconds: float) -> dict[str, Any]:
    return {"state": BOOKING, "lease_until": to_utc(now) + dt.timedelta(seconds=lease_seconds)}
