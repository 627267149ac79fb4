"""The notification outbox: leased jobs, in order per booking, at most one in flight each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.logging_setup import redact
from bot.store.core import StoreCore
from bot.store.records import DeadLetter, OutboxJob, OutboxKind
from bot.store.schema import outbox, webhook_events

PENDING, LEASED, DONE, DEAD = "pending", "leased", "done", "dead"
FINISHED = (DONE, DEAD)  # neither runs again by itself; neither holds up later jobs
MAX_ERROR_LENGTH = 2000
# Namespace (first key) of the per-booking Postgres advisory locks taken while claiming.
BOOKING_LOCK_NAMESPACE = 0x426B6F62  # int4

_TRY_LOCK_BOOKINGS = text(
    "SELECT b FROM unnest(CAST(:bookings AS text[])) AS b"
    " WHERE pg_try_advisory_xact_lock(:namespace, hashtext(b))"
)


def queued_job(kind: OutboxKind, booking_id: str, status: str, now: dt.datetime) -> dict[str, Any]:
    """An outbox row for a job without a webhook event ("confirm", "unresolved")."""
    return {
        "kind": kind,
        "event_id": None,
        "booking_id": booking_id,
        "status": status,
        "last_update": None,
        "order_key": "",
        "state": PENDING,
        "available_at": now,
        "attempts": 0,
        "progress": {},
        "created_at": now,
    }


def _rank(table: Any) -> ColumnElement[int]:
    # A booking's confirmation goes before its status updates, whenever it was queued.
    return case((table.c.kind == "confirm", 0), else_=1)


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    """A job a worker may take now: ready, the earliest unfinished one of its booking
    (its confirmation first), and no other job of that booking under a live lease (so
    per-booking order holds). A dead letter is finished too: later updates of its booking
    go ahead without it."""
    earlier = outbox.alias("earlier")
    leased = outbox.alias("leased")
    ready = or_(
        and_(outbox.c.state == PENDING, outbox.c.available_at <= now),
        and_(outbox.c.state == LEASED, outbox.c.lease_until <= now),  # its worker died
    )
    has_earlier_unfinished = exists().where(
        earlier.c.booking_id == outbox.c.booking_id,
        earlier.c.state.not_in(FINISHED),
        tuple_(_rank(earlier), earlier.c.order_key, earlier.c.id)
        < tuple_(_rank(outbox), outbox.c.order_key, outbox.c.id),
    )
    has_live_lease = exists().where(
        leased.c.booking_id == outbox.c.booking_id,
        leased.c.id != outbox.c.id,
        leased.c.state == LEASED,
        leased.c.lease_until > now,
    )
    return and_(ready, ~has_earlier_unfinished, ~has_live_lease)


def _leased_by(job_id: int, worker_id: str) -> ColumnElement[bool]:
    # The lease may have lapsed: while nobody else took the job over, it is still ours.
    return and_(outbox.c.id == job_id, outbox.c.state == LEASED, outbox.c.leased_by == worker_id)


class OutboxMixin(StoreCore):
    async def claim_outbox(
        self, worker_id: str, *, limit: int, lease_seconds: float
    ) -> list[OutboxJob]:
        """Lease up to `limit` jobs for `worker_id`, oldest first, one per booking.

        A job whose lease expired is claimable again (and counts as a failed attempt).
        """
        now = self._now()
        candidates = (
            select(outbox.c.id, outbox.c.booking_id)
            .where(_claimable(now))
            .order_by(outbox.c.available_at, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # Postgres; SQLite has one writer anyway
        )
        async with self._write() as connection:
            rows = (await connection.execute(candidates)).all()
            if self.dialect == "postgresql" and rows:
                rows = await _lock_bookings(connection, rows)
            if not rows:
                return []
            claim = (
                update(outbox)
                # Checked again: on Postgres this statement sees every claim committed
                # since the candidates were read.
                .where(outbox.c.id.in_([row.id for row in rows]), _claimable(now))
                .values(
                    state=LEASED,
                    leased_by=worker_id,
                    lease_until=now + dt.timedelta(seconds=lease_seconds),
                    attempts=case(
                        (outbox.c.state == LEASED, outbox.c.attempts + 1),
                        else_=outbox.c.attempts,
                    ),
                )
                .returning(outbox.c.id)
            )
            claimed = (await connection.execute(claim)).scalars().all()
            if not claimed:
                return []
            jobs = (
                select(
                    outbox.c.id,
                    outbox.c.booking_id,
                    outbox.c.event_id,
                    outbox.c.status,
                    outbox.c.last_update,
                    webhook_events.c.payload,
                    outbox.c.attempts,
                    outbox.c.progress,
                    webhook_events.c.event_type,
                    webhook_events.c.venue_name,
                    webhook_events.c.group_name,
                    outbox.c.kind,
                )
                # Outer: "confirm" and "unresolved" jobs have no webhook event.
                .outerjoin(webhook_events, webhook_events.c.id == outbox.c.event_id)
                .where(outbox.c.id.in_(claimed))
                .order_by(outbox.c.available_at, outbox.c.id)
            )
            return [_job(row) for row in await connection.execute(jobs)]

    async def complete_outbox(
        self, job_id: int, worker_id: str, *, result: dict[str, Any] | None = None
    ) -> bool:
        """Mark done if the lease is still ours; False if another worker took it over."""
        statement = (
            update(outbox)
            .where(_leased_by(job_id, worker_id))
            .values(state=DONE, done_at=self._now(), lease_until=None, result=result)
        )
        async with self._write_statement() as connection:
            return (await connection.execute(statement)).rowcount > 0

    async def reschedule_outbox(
        self, job_id: int, worker_id: str, *, delay: float, error: str
    ) -> bool:
        """Release the lease and retry after `delay` seconds; False if no longer ours."""
        now = self._now()
        statement = (
            update(outbox)
            .where(_leased_by(job_id, worker_id))
            .values(
                state=PENDING,
                leased_by=None,
                lease_until=None,
                attempts=outbox.c.attempts + 1,
                available_at=now + dt.timedelta(seconds=max(delay, 0.0)),
                last_error=redact(error)[:MAX_ERROR_LENGTH],
            )
        )
        async with self._write_statement() as connection:
            return (await connection.execute(statement)).rowcount > 0

    async def mark_outbox_progress(
        self, job_id: int, worker_id: str, progress: dict[str, Any]
    ) -> bool:
        """Merge `progress` into the job's progress; False if the lease is no longer ours."""
        if self.dialect == "postgresql":  # one statement: jsonb's || merges like a dict
            merged = outbox.c.progress.op("||", return_type=JSONB)(
                bindparam("progress", progress, type_=JSONB)
            )
            statement = update(outbox).where(_leased_by(job_id, worker_id)).values(progress=merged)
            async with self._write_statement() as connection:
                return (await connection.execute(statement)).rowcount > 0
        current = select(outbox.c.progress).where(_leased_by(job_id, worker_id)).with_for_update()
        async with self._write() as connection:
            stored = (await connection.execute(current)).scalar_one_or_none()
            if stored is None:
                return False
            await connection.execute(
                update(outbox).where(outbox.c.id == job_id).values(progress={**stored, **progress})
            )
        return True

    async def kill_outbox(
        self,
        job_id: int,
        worker_id: str,
        reason: str,
        *,
        older_than: dt.timedelta | None = None,
    ) -> bool:
        """Make a leased job a dead letter: it is never tried again by itself, and later
        jobs of its booking no longer wait for it. With `older_than`, only if the job was
        created at least that long ago. False if not ours (or not old enough)."""
        now = self._now()
        condition = _leased_by(job_id, worker_id)
        if older_than is not None:
            condition = and_(condition, outbox.c.created_at <= now - older_than)
        statement = (
            update(outbox)
            .where(condition)
            .values(
                state=DEAD,
                leased_by=None,
                lease_until=None,
                attempts=outbox.c.attempts + 1,  # this attempt counts, as a release would
                dead_reason=redact(reason)[:MAX_ERROR_LENGTH],
                dead_at=now,
            )
        )
        async with self._write_statement() as connection:
            return (await connection.execute(statement)).rowcount > 0

    async def list_dead_outbox(self, limit: int = 100) -> list[DeadLetter]:
        """Dead letters, most recently dead first."""
        query = (
            select(
                outbox.c.id,
                outbox.c.booking_id,
                outbox.c.kind,
                outbox.c.attempts,
                outbox.c.created_at,
                outbox.c.dead_at,
                outbox.c.dead_reason,
            )
            .where(outbox.c.state == DEAD)
            .order_by(outbox.c.dead_at.desc(), outbox.c.id.desc())
            .limit(limit)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).all()
        return [
            DeadLetter(
                id=row.id,
                booking_id=row.booking_id,
                kind=row.kind,
                attempts=row.attempts,
                created_at=row.created_at,
                dead_at=row.dead_at,
                reason=row.dead_reason or "",
            )
            for row in rows
        ]

    async def retry_dead_outbox(self, job_id: int | None = None) -> int:
        """Put one dead letter (or all, with None) back to pending, attempts reset; the
        number revived. Its progress keeps what was already posted (and any suspicion of
        an unseen post), so nothing is posted twice."""
        query = select(outbox.c.id, outbox.c.progress).where(outbox.c.state == DEAD)
        if job_id is not None:
            query = query.where(outbox.c.id == job_id)
        now = self._now()
        async with self._write() as connection:
            rows = (await connection.execute(query.with_for_update())).all()
            for row in rows:
                progress = {
                    k: v for k, v in row.progress.items() if k not in ("releases", "failures")
                }
                await connection.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id, outbox.c.state == DEAD)
                    .values(
                        state=PENDING,
                        attempts=0,
                        available_at=now,
                        progress=progress,
                        dead_reason=None,
                        dead_at=None,
                    )
                )
        return len(rows)

    async def outbox_stats(self) -> dict[str, int]:
        """Counts of jobs: pending (incl. expired leases), of which retrying (tried before),
        leased (live lease), done, and dead letters."""
        now = self._now()
        live_lease = and_(outbox.c.state == LEASED, outbox.c.lease_until > now)

        def count(condition: ColumnElement[bool]) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        query = select(
            count(and_(outbox.c.state.not_in(FINISHED), ~live_lease)).label("pending"),
            count(and_(outbox.c.state == PENDING, outbox.c.attempts > 0)).label("retrying"),
            count(live_lease).label("leased"),
            count(outbox.c.state == DONE).label("done"),
            count(outbox.c.state == DEAD).label("dead"),
        )
        async with self._read() as connection:
            row = (await connection.execute(query)).one()
        return {name: int(value) for name, value in row._asdict().items()}


def _job(row: Any) -> OutboxJob:
    values = row._asdict()
    return OutboxJob(
        **values
        | {
            "payload": values["payload"] or {},
            "event_type": values["event_type"] or "",
        }
    )


async def _lock_bookings(connection: AsyncConnection, rows: Sequence[Any]) -> list[Any]:
    """Keep the candidates whose booking this transaction could lock (Postgres).

    Row locks alone cannot stop two workers from leasing two different jobs of one
    booking when their snapshots differ; a per-booking lock held until commit can. A
    booking another worker is claiming right now is simply skipped this round.
    """
    bookings = sorted({row.booking_id for row in rows})
    result = await connection.execute(
        _TRY_LOCK_BOOKINGS, {"bookings": bookings, "namespace": BOOKING_LOCK_NAMESPACE}
    )
    locked = set(result.scalars().all())
    return [row for row in rows if row.booking_id in locked]
