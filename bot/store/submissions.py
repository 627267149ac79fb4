"""Slack submission idempotency: one booking per modal submission, however often Slack retries."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from bot.store.core import StoreCore
from bot.store.records import Submission
from bot.store.schema import submissions

IN_PROGRESS = "in_progress"
DONE = "done"


class SubmissionsMixin(StoreCore):
    async def begin_submission(self, key: str, *, team_id: str, user_id: str) -> Submission:
        """`new` for exactly one caller per key; the others see its current state.

        The unique key decides (INSERT … ON CONFLICT DO NOTHING), never a read-then-write.
        """
        now = self._now()
        claim = (
            self._insert(submissions)
            .values(
                key=key,
                team_id=team_id,
                user_id=user_id,
                state=IN_PROGRESS,
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

    async def finish_submission(self, key: str, booking_id: str) -> None:
        async with self._write() as connection:
            await connection.execute(
                update(submissions)
                .where(submissions.c.key == key)
                .values(state=DONE, booking_id=booking_id, updated_at=self._now())
            )

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
