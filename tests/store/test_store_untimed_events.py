"""Webhook events without `lastUpdate` (Bookable may omit it, §8.2): deduplicated on the
booking's content, ordered by arrival; and the creation rule decided from the store."""

from __future__ import annotations

from bot.store import IngestResult, Store
from tests.store.factories import at, booking, event


def untimed(status: str, **content: object) -> object:
    return event("bk-1", status, None, payload={"id": "bk-1", "status": status, **content})


async def test_untimed_events_dedupe_on_content(store: Store) -> None:
    first = [untimed("confirmed", partySize=2), untimed("confirmed", partySize=2)]
    assert await store.ingest_webhook(first) == IngestResult(accepted=1, duplicates=1)
    changed = untimed("confirmed", partySize=4)  # same status, another change: kept
    assert await store.ingest_webhook([changed]) == IngestResult(accepted=1, duplicates=0)
    assert await store.ingest_webhook([changed]) == IngestResult(accepted=0, duplicates=1)


async def _claim_order(store: Store) -> list[str]:
    """Statuses in the order the outbox hands the booking's jobs out."""
    order = []
    while jobs := await store.claim_outbox("w", limit=10, lease_seconds=30):
        [job] = jobs  # one job per booking at a time
        order.append(job.status)
        assert await store.complete_outbox(job.id, "w")
    return order


async def test_untimed_events_go_after_everything_that_arrived_before(store: Store) -> None:
    await store.ingest_webhook([event("bk-1", "pending", at(5))])
    await store.ingest_webhook([untimed("confirmed"), event("bk-1", "no_show", at(1))])
    await store.ingest_webhook([untimed("cancelled")])

    # no_show is older than what came before the untimed ones; each untimed one follows
    # everything that arrived before it.
    assert await _claim_order(store) == ["no_show", "pending", "confirmed", "cancelled"]


async def test_status_before_an_untimed_event_is_the_previous_arrival(store: Store) -> None:
    await store.save_booking(booking(status="pending"))
    await store.ingest_webhook([event("bk-1", "confirmed", at(1)), untimed("cancelled")])
    jobs = {job.status: job for job in await _claimed_all(store)}

    before = await store.status_before("bk-1", None, event_id=jobs["cancelled"].event_id)
    assert before == "confirmed"
    first = await store.status_before("bk-1", at(1), event_id=jobs["confirmed"].event_id)
    assert first == "pending"  # the original status: the untimed one came after it


async def _claimed_all(store: Store) -> list:
    jobs = []
    while batch := await store.claim_outbox("w", limit=10, lease_seconds=30):
        jobs += batch
        for job in batch:
            await store.complete_outbox(job.id, "w")
    return jobs


async def test_creation_is_the_first_event_with_the_original_status(store: Store) -> None:
    await store.save_booking(booking(status="confirmed"))
    await store.ingest_webhook([event("bk-1", "cancelled", at(2))])  # arrives first
    await store.ingest_webhook([event("bk-1", "confirmed", at(1))])  # the creation, late
    await store.ingest_webhook([event("bk-1", "confirmed", at(3))])  # reinstated: news
    jobs = {(job.status, job.last_update): job for job in await _claimed_all(store)}

    assert await store.is_creation_event(jobs[("confirmed", at(1))].event_id)
    assert not await store.is_creation_event(jobs[("cancelled", at(2))].event_id)
    assert not await store.is_creation_event(jobs[("confirmed", at(3))].event_id)


async def test_no_creation_for_bookings_made_elsewhere(store: Store) -> None:
    await store.ingest_webhook([event("elsewhere", "confirmed", at(1))])
    [job] = await _claimed_all(store)
    assert not await store.is_creation_event(job.event_id)


async def test_a_batch_with_some_duplicates_keeps_its_order(store: Store) -> None:
    await store.ingest_webhook([untimed("pending")])
    batch = [untimed("confirmed"), untimed("pending"), untimed("cancelled"), untimed("no_show")]

    assert await store.ingest_webhook(batch) == IngestResult(accepted=3, duplicates=1)
    assert await _claim_order(store) == ["pending", "confirmed", "cancelled", "no_show"]


async def test_an_untimed_event_follows_newer_timed_ones_earlier_in_its_batch(
    store: Store,
) -> None:
    await store.ingest_webhook([event("bk-1", "pending", at(1))])
    batch = [
        event("bk-1", "confirmed", at(5)),
        untimed("cancelled"),
        event("bk-1", "no_show", at(3)),
    ]

    assert await store.ingest_webhook(batch) == IngestResult(accepted=3, duplicates=0)
    # "cancelled" arrived after "confirmed" (at 5) in the same batch: it goes after it,
    # although "no_show" (at 3), later in the batch, sorts before both.
    assert await _claim_order(store) == ["pending", "no_show", "confirmed", "cancelled"]
