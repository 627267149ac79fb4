"""Webhook ingest: dedupe, one outbox job per new event, and "old → new" lookups."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.store import IngestResult, Store
from bot.store.schema import outbox, webhook_events
from tests.store.factories import at, booking, event


async def _count(store: Store, table: object) -> int:
    async with store.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(table))).scalar_one()  # type: ignore[arg-type]


async def test_same_event_twice_is_stored_once(store: Store) -> None:
    assert await store.ingest_webhook([event()]) == IngestResult(accepted=1, duplicates=0)
    assert await store.ingest_webhook([event()]) == IngestResult(accepted=0, duplicates=1)
    assert await _count(store, webhook_events) == 1
    assert await _count(store, outbox) == 1


async def test_duplicates_within_one_batch(store: Store) -> None:
    result = await store.ingest_webhook(
        [event(), event(), event(status="CONFIRMED"), event("bk-2"), event("bk-2")]
    )
    assert result == IngestResult(accepted=2, duplicates=3)
    assert await _count(store, outbox) == 2


async def test_same_instant_in_another_offset_is_a_duplicate(store: Store) -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    await store.ingest_webhook([event(last_update=at(0))])
    same = at(0).astimezone(paris)
    assert await store.ingest_webhook([event(last_update=same)]) == IngestResult(0, 1)


async def test_dedupe_key_is_booking_time_and_status(store: Store) -> None:
    events = [
        event("bk-1", "confirmed", at(0)),
        event("bk-1", "cancelled", at(0)),  # other status
        event("bk-1", "confirmed", at(1)),  # other time
        event("bk-2", "confirmed", at(0)),  # other booking
        event("bk-1", "confirmed", None),  # no timestamp
    ]
    assert await store.ingest_webhook(events) == IngestResult(accepted=5, duplicates=0)
    assert await store.ingest_webhook([event("bk-1", "confirmed", None)]) == IngestResult(0, 1)


async def test_each_new_event_gets_one_pending_job(store: Store) -> None:
    await store.ingest_webhook([event("bk-1"), event("bk-2", payload={"n": 2})])
    jobs = await store.claim_outbox("w", limit=10, lease_seconds=30)
    assert sorted((job.booking_id, job.status, job.attempts) for job in jobs) == [
        ("bk-1", "confirmed", 0),
        ("bk-2", "confirmed", 0),
    ]
    assert next(job for job in jobs if job.booking_id == "bk-2").payload == {"n": 2}
    assert all(job.progress == {} and job.last_update == at(0) for job in jobs)


async def test_empty_batch(store: Store) -> None:
    assert await store.ingest_webhook([]) == IngestResult(0, 0)


async def test_status_before(store: Store) -> None:
    assert await store.status_before("bk-1", at(0)) is None  # nothing known
    await store.save_booking(booking(status="pending"))
    assert await store.status_before("bk-1", at(0)) == "pending"  # the original status
    await store.ingest_webhook(
        [event(status="confirmed", last_update=at(1)), event(status="cancelled", last_update=at(3))]
    )
    await store.apply_status("bk-1", "cancelled", at(3))
    assert await store.status_before("bk-1", at(1)) == "pending"
    assert await store.status_before("bk-1", at(2)) == "confirmed"
    assert await store.status_before("bk-1", at(3)) == "confirmed"  # strictly before
    assert await store.status_before("bk-1", at(9)) == "cancelled"
    assert await store.status_before("bk-1", None) == "pending"


async def test_many_single_event_ingests_each_queue_one_job(store: Store) -> None:
    """Their rate is bench's `ingest` scenario (python -m bench --only ingest)."""
    count = 200
    for n in range(count):
        await store.ingest_webhook([event(f"bk-{n}")])
    assert await _count(store, outbox) == count
