"""Slack submission idempotency: one booking per modal submission, however often Slack retries.

A submission is finished exactly once, by whoever learns the booking id first: the app
when Bookable answers the create, or a webhook naming the submission (its
`partnerBookingId`) when that answer was lost. Both go through a conditional UPDATE on
the in-progress row, so the two can race safely.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, update

from bot.store.bookings import BookingsMixin
from bot.store.records import BookingRecord, Submission
from bot.store.schema import submissions

IN_PROGRESS = "in_progress"
DONE = "done"
BY_APP = "app"
BY_WEBHOOK = "webhook"


class SubmissionsMixin(BookingsMixin):
    async def begin_submission(
        self,
        key: str,
        *,
        team_id: str,
        user_id: str,
        context: Mapping[str, Any] | None = None,
    ) -> Submission:
        """`new` for exactly one caller per key; the others see its current state.

        The unique key decides (INSERT … ON CONFLICT DO NOTHING), never a read-then-write.
        `context` (JSON-able) is kept for `adopt_submission`.
        """
        now = self._now()
        claim = (
            self._insert(submissions)
            .values(
                key=key,
                team_id=team_id,
                user_id=user_id,
                state=IN_PROGRESS,
                context=dict(context) if context is not None else None,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=[submissions.c.key])
            .returning(submissions.c.key)
        )
        current = select(submissions.c.state, submissions.c.booking_id).where(
            submissions.c.key == key
        )
        # A tiny window exists where the holder abandons the key between our insert
        # and our read; trying again then claims it.
        for _ in range(5):
            async with self._write() as connection:
                if (await connection.execute(claim)).first() is not None:
                    return Submission("new", None)
                row = (await connection.execute(current)).first()
            if row is not None:
                return Submission(row.state, row.booking_id)
        raise RuntimeError(f"submission key {key!r} keeps changing under us")

    async def get_submission(self, key: str) -> Submission | None:
        query = select(
            submissions.c.state,
            submissions.c.booking_id,
            submissions.c.context,
            submissions.c.finished_by,
        ).where(submissions.c.key == key)
        async with self._read() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        return Submission(row.state, row.booking_id, row.context, row.finished_by)

    async def finish_submission(
        self, key: str, booking_id: str, *, record: BookingRecord | None = None
    ) -> bool:
        """Mark an in-progress submission done (and save `record` in the same transaction).

        False when it was not in progress: a webhook already finished it (adoption), and
        that one saved the record and posts the confirmation.
        """
        return await self._finish(key, booking_id, record, by=BY_APP)

    async def adopt_submission(self, key: str, record: BookingRecord) -> bool:
        """A webhook found the booking of in-progress submission `key`: finish it and save
        `record`, in one transaction. True when the booking is the webhook's to confirm:
        adopted now, or by an earlier attempt of the same adoption (idempotent)."""
        if await self._finish(key, record.booking_id, record, by=BY_WEBHOOK):
            return True
        current = await self.get_submission(key)
        return (
            current is not None
            and current.state == DONE
            and current.booking_id == record.booking_id
            and current.finished_by == BY_WEBHOOK
        )

    async def _finish(
        self, key: str, booking_id: str, record: BookingRecord | None, *, by: str
    ) -> bool:
        finish = (
            update(submissions)
            .where(submissions.c.key == key, submissions.c.state == IN_PROGRESS)
            .values(state=DONE, booking_id=booking_id, finished_by=by, updated_at=self._now())
        )
        async with self._write() as connection:
            finished = (await connection.execute(finish)).rowcount > 0
            if finished and record is not None:
                await connection.execute(self._booking_upsert(record))
        return finished

    async def abandon_submission(self, key: str) -> None:
        """Forget a submission that failed without a booking, so the user can retry.

        A finished submission is kept: forgetting it could book the same table twice.
        """
        async with self._write() as connection:
            await connection.execute(
                delete(submissions).where(
                    submissions.c.key == key, submissions.c.state == IN_PROGRESS
                )
            )
