"""Slack submission idempotency: one booking per modal submission, however often Slack retries.

A submission is finished exactly once, by whoever learns the booking id first: the app
when Bookable answers the create, or a webhook matching the submission (its
`partnerBookingId`, else its fingerprint) when that answer was lost. Both go through a
conditional UPDATE on the in-progress row, so the two can race safely; the winner saves
the booking and queues its confirmation ("confirm" outbox job) in the same transaction.
A submission nobody finished within a bound is resolved as "unknown" by the sweep, which
queues an "unresolved" job telling the booker (again one conditional UPDATE: one winner
among several processes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, select, update

from bot.store.bookings import BookingsMixin
from bot.store.outbox import queued_job
from bot.store.records import (
    BookingRecord,
    Fingerprint,
    OpenSubmission,
    Submission,
    unresolved_subject,
)
from bot.store.schema import outbox, submissions

IN_PROGRESS = "in_progress"
DONE = "done"
UNKNOWN = "unknown"
ADOPTABLE = (IN_PROGRESS, UNKNOWN)
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
        fingerprint: Fingerprint | None = None,
    ) -> Submission:
        """`new` for exactly one caller per key; the others see its current state.

        The unique key decides (INSERT … ON CONFLICT DO NOTHING), never a read-then-write.
        `context` (JSON-able) is kept for `adopt_submission`; `fingerprint` for
        `submissions_matching`.
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
                **_fingerprint_values(fingerprint),
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

    async def submissions_matching(
        self,
        fingerprint: Fingerprint,
        *,
        created: dt.datetime | None,
        skew: dt.timedelta,
        bound: dt.timedelta,
    ) -> list[OpenSubmission]:
        """Adoptable submissions (in progress, or resolved as unknown: Bookable may retry a
        webhook for an hour) with this fingerprint; with `created` (the booking's creation
        time), only those begun between `created - bound` and `created + skew`: the booking
        was made after the submission began (give or take clock skew) and before it was
        given up on."""
        conditions = [
            submissions.c.state.in_(ADOPTABLE),
            *(
                getattr(submissions.c, name) == value
                for name, value in _fingerprint_values(fingerprint).items()
            ),
        ]
        if created is not None:
            conditions += [
                submissions.c.created_at >= created - bound,
                submissions.c.created_at <= created + skew,
            ]
        return await self._open_submissions(conditions, limit=None)

    async def stale_submissions(
        self, *, older_than: dt.timedelta, limit: int
    ) -> list[OpenSubmission]:
        """In-progress submissions begun more than `older_than` ago, oldest first."""
        before = self._now() - older_than
        conditions = [submissions.c.state == IN_PROGRESS, submissions.c.created_at < before]
        return await self._open_submissions(conditions, limit=limit)

    async def _open_submissions(
        self, conditions: list[Any], *, limit: int | None
    ) -> list[OpenSubmission]:
        query = (
            select(
                submissions.c.key,
                submissions.c.team_id,
                submissions.c.user_id,
                submissions.c.context,
                submissions.c.created_at,
            )
            .where(*conditions)
            .order_by(submissions.c.created_at, submissions.c.key)
            .limit(limit)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).all()
        return [OpenSubmission(**row._asdict()) for row in rows]

    async def resolve_submission_unknown(self, key: str) -> bool:
        """Give up on in-progress submission `key`: mark it "unknown" and queue the
        "unresolved" job that tells the booker, in one transaction. False when someone
        (a late answer, a webhook, another process's sweep) finished it first."""
        now = self._now()
        resolve = (
            update(submissions)
            .where(submissions.c.key == key, submissions.c.state == IN_PROGRESS)
            .values(state=UNKNOWN, updated_at=now)
        )
        async with self._write() as connection:
            if (await connection.execute(resolve)).rowcount == 0:
                return False
            job = queued_job("unresolved", unresolved_subject(key), UNKNOWN, now)
            await connection.execute(insert(outbox).values(**job))
        return True

    async def finish_submission(
        self, key: str, booking_id: str, *, record: BookingRecord | None = None
    ) -> bool:
        """Mark an in-progress submission done; with `record`, save it and queue its
        confirmation ("confirm" outbox job), all in the same transaction.

        False when it was not in progress: a webhook already finished it (adoption), and
        that one saved the record and queued the confirmation.
        """
        return await self._finish(key, booking_id, record, by=BY_APP, states=(IN_PROGRESS,))

    async def adopt_submission(self, key: str, record: BookingRecord) -> bool:
        """A webhook found the booking of submission `key` (in progress, or resolved as
        unknown: its booker then learns it went through after all): finish it, save
        `record` and queue its confirmation, in one transaction. True when the booking is
        the webhook's: adopted now, or by an earlier attempt of the same adoption
        (idempotent)."""
        if await self._finish(key, record.booking_id, record, by=BY_WEBHOOK, states=ADOPTABLE):
            return True
        current = await self.get_submission(key)
        return (
            current is not None
            and current.state == DONE
            and current.booking_id == record.booking_id
            and current.finished_by == BY_WEBHOOK
        )

    async def _finish(
        self,
        key: str,
        booking_id: str,
        record: BookingRecord | None,
        *,
        by: str,
        states: tuple[str, ...],
    ) -> bool:
        finish = (
            update(submissions)
            .where(submissions.c.key == key, submissions.c.state.in_(states))
            .values(state=DONE, booking_id=booking_id, finished_by=by, updated_at=self._now())
        )
        async with self._write() as connection:
            finished = (await connection.execute(finish)).rowcount > 0
            if finished and record is not None:
                await connection.execute(self._booking_upsert(record))
                job = queued_job("confirm", record.booking_id, record.status, self._now())
                await connection.execute(insert(outbox).values(**job))
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


def _fingerprint_values(fingerprint: Fingerprint | None) -> dict[str, Any]:
    if fingerprint is None:
        return {}
    return {
        "composite_id": fingerprint.composite_id,
        "booking_date": fingerprint.date,
        "booking_time": fingerprint.time[:5],
        "party_size": fingerprint.party_size,
        "email": fingerprint.email.strip().lower(),
    }
