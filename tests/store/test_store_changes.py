"""Changes made through the Change modal: one owner per modal key, the booking's details
and its "change" job stored together, and venue details from webhooks kept in order."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

from bot.store import BookingDetails, Store
from bot.store.changes import CHANGE_JOB_KEY
from tests.store.factories import at, booking

BEFORE = BookingDetails(dt.date(2025, 7, 1), "19:30", 4)
AFTER = BookingDetails(dt.date(2025, 7, 2), "20:00", 6)


async def _begin(store: Store, key: str = "modal-1") -> str:
    change = await store.begin_change(
        key, booking_id="bk-1", team_id="T1", user_id="U1", before=BEFORE, after=AFTER
    )
    return change.state


async def test_one_caller_owns_a_key_even_when_they_race(store: Store) -> None:
    await store.save_booking(booking())
    states = await asyncio.gather(*(_begin(store) for _ in range(5)))
    assert sorted(states) == ["in_progress"] * 4 + ["new"]


async def test_a_finished_change_saves_the_details_and_queues_one_change_job(
    store: Store,
) -> None:
    await store.save_booking(booking(status="confirmed", last_update=at(0)))
    await _begin(store)
    changed = replace(booking(status="confirmed"), date=AFTER.date, time="20:00", party_size=6)
    assert await store.finish_change("modal-1", replace(changed, last_update=at(5)))
    assert not await store.finish_change("modal-1", changed)  # once only

    stored = await store.get_booking("bk-1")
    assert stored is not None
    assert BookingDetails.of(stored) == AFTER and stored.last_update == at(5)
    assert stored.status == "confirmed"
    [job] = await store.claim_outbox("w", limit=10, lease_seconds=30)
    assert (job.kind, job.booking_id, job.progress) == (
        "change",
        "bk-1",
        {CHANGE_JOB_KEY: "modal-1"},
    )
    change = await store.get_change("modal-1")
    assert change is not None and (change.state, change.before, change.after) == (
        "done", BEFORE, AFTER,
    )  # fmt: skip
    assert (await _begin(store)) == "done"
    assert await store.latest_change("bk-1") == change


async def test_an_abandoned_change_leaves_the_booking_and_frees_the_key(store: Store) -> None:
    await store.save_booking(booking())
    await _begin(store)
    await store.abandon_change("modal-1")
    assert await store.get_change("modal-1") is None
    stored = await store.get_booking("bk-1")
    assert stored is not None and BookingDetails.of(stored) == BEFORE
    assert await store.claim_outbox("w", limit=10, lease_seconds=30) == []
    assert (await _begin(store)) == "new"


async def test_webhook_details_go_with_a_newer_status_only(store: Store) -> None:
    await store.save_booking(booking(last_update=at(10)))
    assert not await store.apply_status("bk-1", "confirmed", at(5), details=AFTER)  # older
    stored = await store.get_booking("bk-1")
    assert stored is not None and BookingDetails.of(stored) == BEFORE
    assert await store.apply_status("bk-1", "confirmed", at(15), details=AFTER)
    stored = await store.get_booking("bk-1")
    assert stored is not None and BookingDetails.of(stored) == AFTER
    assert await store.apply_status("bk-1", "confirmed", None, details=BEFORE)  # arrival order
    stored = await store.get_booking("bk-1")
    assert stored is not None and BookingDetails.of(stored) == BEFORE
