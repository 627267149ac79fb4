"""Outbox claiming: per-booking order, one job in flight per booking, leases that expire."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt

from sqlalchemy import select

from bot.store import OutboxJob, Store
from bot.store.outbox import MAX_ERROR_LENGTH
from bot.store.schema import outbox
from tests.store.conftest import Database, FakeClock
from tests.store.factories import at, event

LEASE = 30.0


async def _claim(store: Store, worker: str = "w1", limit: int = 10) -> list[OutboxJob]:
    return await store.claim_outbox(worker, limit=limit, lease_seconds=LEASE)


def _stats(**counts: int) -> dict[str, int]:
    return {"pending": 0, "retrying": 0, "leased": 0, "done": 0, "dead": 0, **counts}


def _keys(jobs: list[OutboxJob]) -> list[tuple[str, str]]:
    return sorted((job.booking_id, job.status) for job in jobs)


async def test_earliest_job_per_booking_first_even_if_it_arrived_late(store: Store) -> None:
    await store.ingest_webhook([event("bk-1", "cancelled", at(5))])
    await store.ingest_webhook([event("bk-1", "confirmed", at(1)), event("bk-2", "pending")])
    first = await _claim(store)
    assert _keys(first) == [("bk-1", "confirmed"), ("bk-2", "pending")]

    for job in first:
        assert await store.complete_outbox(job.id, "w1")
    second = await _claim(store)
    assert _keys(second) == [("bk-1", "cancelled")]
    assert second[0].last_update == at(5)


async def test_undated_events_follow_arrival_order(store: Store) -> None:
    await store.ingest_webhook([event("bk-1", "confirmed", at(1))])
    await store.ingest_webhook([event("bk-1", "pending", None)])
    (job,) = await _claim(store)
    assert (job.status, job.last_update) == ("confirmed", at(1))


async def test_one_job_in_flight_per_booking(store: Store) -> None:
    await store.ingest_webhook([event("bk-1", "confirmed", at(1))])
    (leased,) = await _claim(store, "w1")
    await store.ingest_webhook([event("bk-1", "cancelled", at(2))])
    assert await _claim(store, "w2") == []  # the later job waits for the leased one

    # An earlier update arriving late also waits: its booking has a job in flight.
    await store.ingest_webhook([event("bk-1", "pending", at(0))])
    assert await _claim(store, "w2") == []

    await store.complete_outbox(leased.id, "w1")
    (next_job,) = await _claim(store, "w2")
    assert (next_job.status, next_job.last_update) == ("pending", at(0))


async def test_limit_is_respected(store: Store) -> None:
    await store.ingest_webhook([event(f"bk-{n}") for n in range(5)])
    assert len(await _claim(store, limit=2)) == 2
    assert len(await _claim(store, limit=10)) == 3
    assert await _claim(store) == []


async def test_expired_lease_is_claimed_again(store: Store, clock: FakeClock) -> None:
    await store.ingest_webhook([event()])
    (job,) = await _claim(store, "crashed")
    clock.advance(LEASE - 1)
    assert await _claim(store, "w2") == []
    clock.advance(2)
    (again,) = await _claim(store, "w2")
    assert again.id == job.id
    assert again.attempts == 1  # the crash counts as a failed attempt

    assert not await store.complete_outbox(job.id, "crashed")  # no longer its job
    assert await store.complete_outbox(job.id, "w2")
    assert await store.outbox_stats() == _stats(done=1)


async def test_lapsed_lease_nobody_took_can_still_complete(store: Store, clock: FakeClock) -> None:
    await store.ingest_webhook([event()])
    (job,) = await _claim(store, "slow")
    clock.advance(LEASE * 2)
    assert await store.complete_outbox(job.id, "slow", result={"ts": "1.2"})
    assert await _claim(store, "w2") == []
    async with store.engine.connect() as connection:
        row = (await connection.execute(select(outbox).where(outbox.c.id == job.id))).one()
    assert (row.state, row.result) == ("done", {"ts": "1.2"})


async def test_reschedule_delays_and_counts_attempts(store: Store, clock: FakeClock) -> None:
    await store.ingest_webhook([event()])
    (job,) = await _claim(store)
    assert not await store.reschedule_outbox(job.id, "someone-else", delay=5, error="x")
    assert await store.reschedule_outbox(job.id, "w1", delay=5, error="E" * 10_000)
    assert await _claim(store) == []
    assert await store.outbox_stats() == _stats(pending=1, retrying=1)
    clock.advance(5)
    (again,) = await _claim(store, "w2")
    assert (again.id, again.attempts) == (job.id, 1)
    async with store.engine.connect() as connection:
        error = (
            await connection.execute(select(outbox.c.last_error).where(outbox.c.id == job.id))
        ).scalar_one()
    assert error == "E" * MAX_ERROR_LENGTH


async def test_progress_is_merged_and_survives_retries(store: Store) -> None:
    await store.ingest_webhook([event()])
    (job,) = await _claim(store)
    assert await store.mark_outbox_progress(job.id, "w1", {"thread_reply_ts": "1.1"})
    assert await store.mark_outbox_progress(job.id, "w1", {"updated": True})
    assert not await store.mark_outbox_progress(job.id, "intruder", {"updated": False})
    await store.reschedule_outbox(job.id, "w1", delay=0, error="Slack said ratelimited")
    (retry,) = await _claim(store, "w2")
    assert retry.progress == {"thread_reply_ts": "1.1", "updated": True}


async def test_outbox_stats(store: Store, clock: FakeClock) -> None:
    assert await store.outbox_stats() == _stats()
    await store.ingest_webhook([event(f"bk-{n}") for n in range(4)])
    first, _ = await _claim(store, limit=2)
    await store.complete_outbox(first.id, "w1")
    assert await store.outbox_stats() == _stats(pending=2, leased=1, done=1)
    clock.advance(LEASE + 1)  # the live lease expires: pending again
    assert await store.outbox_stats() == _stats(pending=3, done=1)


async def test_a_dead_letter_no_longer_holds_up_its_booking(store: Store) -> None:
    await store.ingest_webhook([event("bk-1", "confirmed", at(1))])
    await store.ingest_webhook([event("bk-1", "cancelled", at(2))])
    (stuck,) = await _claim(store)
    assert await _claim(store, "w2") == []  # the later job waits behind it
    assert await store.reschedule_outbox(stuck.id, "w1", delay=0, error="Slack HTTP 500")
    (stuck_again,) = await _claim(store)
    assert stuck_again.id == stuck.id  # pending with a failure: still first in line

    assert not await store.kill_outbox(stuck.id, "someone-else", "nope")
    assert await store.kill_outbox(stuck.id, "w1", "Slack HTTP 500; gave up after 2 failures")
    (later,) = await _claim(store, "w2")
    assert (later.status, later.last_update) == ("cancelled", at(2))
    assert await store.complete_outbox(later.id, "w2")
    assert await _claim(store) == []  # the dead letter is not claimed by itself
    assert await store.outbox_stats() == _stats(done=1, dead=1)

    (dead,) = await store.list_dead_outbox()
    assert (dead.id, dead.booking_id, dead.kind) == (stuck.id, "bk-1", "status")
    assert dead.reason == "Slack HTTP 500; gave up after 2 failures"
    assert dead.attempts == 2 and dead.dead_at is not None


async def test_kill_only_when_older_than_the_maximum_age(store: Store, clock: FakeClock) -> None:
    await store.ingest_webhook([event()])
    (job,) = await _claim(store)
    clock.advance(59)
    assert not await store.kill_outbox(job.id, "w1", "too old", older_than=dt.timedelta(minutes=1))
    clock.advance(1)
    assert await store.kill_outbox(job.id, "w1", "too old", older_than=dt.timedelta(minutes=1))
    assert await store.outbox_stats() == _stats(dead=1)


async def test_retry_dead_letters_one_or_all(store: Store) -> None:
    await store.ingest_webhook([event(f"bk-{n}") for n in range(3)])
    jobs = await _claim(store)
    for job in jobs:
        await store.mark_outbox_progress(
            job.id, "w1", {"reply_ts": "1.1", "releases": 3, "failures": 3, "suspect": True}
        )
        assert await store.kill_outbox(job.id, "w1", "Slack error invalid_blocks (permanent)")
    assert await store.retry_dead_outbox(123456) == 0
    assert await store.retry_dead_outbox(jobs[0].id) == 1
    assert await store.outbox_stats() == _stats(pending=1, dead=2)
    (revived,) = await _claim(store)
    assert (revived.id, revived.attempts) == (jobs[0].id, 0)
    # What was posted, and the suspicion of an unseen post, survive; the counters restart.
    assert revived.progress == {"reply_ts": "1.1", "suspect": True}

    assert await store.retry_dead_outbox() == 2
    assert await store.list_dead_outbox() == []
    assert {job.id for job in await _claim(store, "w2")} == {jobs[1].id, jobs[2].id}


async def test_outbox_stats_count_retrying_and_dead(store: Store) -> None:
    await store.ingest_webhook([event(f"bk-{n}") for n in range(3)])
    first, second, _ = await _claim(store)
    await store.reschedule_outbox(first.id, "w1", delay=60, error="Slack HTTP 503")
    await store.kill_outbox(second.id, "w1", "Slack error msg_too_long (permanent)")
    assert await store.outbox_stats() == _stats(pending=1, retrying=1, leased=1, dead=1)


class Drain:
    """Workers that claim, hold, and complete jobs, checking the outbox guarantees."""

    def __init__(self) -> None:
        self.claimed: list[int] = []
        self.delivered: dict[str, list[str]] = collections.defaultdict(list)
        self.in_flight: set[str] = set()
        self.producing = False

    async def worker(self, store: Store, name: str) -> None:
        while True:
            jobs = await store.claim_outbox(name, limit=3, lease_seconds=LEASE)
            if not jobs:
                stats = await store.outbox_stats()
                if not self.producing and stats["pending"] == stats["leased"] == 0:
                    return
                await asyncio.sleep(0.005)
                continue
            for job in jobs:
                assert job.booking_id not in self.in_flight, "two jobs of a booking in flight"
                self.in_flight.add(job.booking_id)
                self.claimed.append(job.id)
            await asyncio.sleep(0)  # let the other workers run while these are held
            for job in jobs:
                self.delivered[job.booking_id].append(job.status)
                self.in_flight.discard(job.booking_id)
                assert await store.complete_outbox(job.id, name)

    async def run(self, stores: list[Store], per_store: int = 3) -> None:
        workers = [
            self.worker(store, f"{n}-{w}")
            for n, store in enumerate(stores)
            for w in range(per_store)
        ]
        await asyncio.wait_for(asyncio.gather(*workers), timeout=60)


async def test_two_stores_drain_everything_exactly_once_in_order(database: Database) -> None:
    """Two processes (two engines), several workers each, claiming concurrently."""
    bookings, updates = 12, 8
    producer = await database.open()
    await producer.ingest_webhook(
        [
            event(f"bk-{b}", f"s{u}", at(u))
            for u in reversed(range(updates))  # newest first: the order comes from the store
            for b in range(bookings)
        ]
    )
    drain = Drain()
    await drain.run([producer, await database.open()])

    assert len(drain.claimed) == len(set(drain.claimed)) == bookings * updates
    expected = [f"s{u}" for u in range(updates)]
    assert all(drain.delivered[f"bk-{b}"] == expected for b in range(bookings))
    assert await producer.outbox_stats() == _stats(done=bookings * updates)


async def test_draining_while_webhooks_keep_arriving(database: Database) -> None:
    bookings, updates = 6, 10
    first, second = await database.open(), await database.open()
    drain = Drain()
    drain.producing = True

    async def produce() -> None:
        for u in range(updates):
            for b in range(bookings):
                await first.ingest_webhook([event(f"bk-{b}", f"s{u}", at(u))])
            await asyncio.sleep(0.002)
        drain.producing = False

    await asyncio.gather(produce(), drain.run([first, second], per_store=2))

    assert len(drain.claimed) == len(set(drain.claimed)) == bookings * updates
    expected = [f"s{u}" for u in range(updates)]
    assert all(drain.delivered[f"bk-{b}"] == expected for b in range(bookings))
