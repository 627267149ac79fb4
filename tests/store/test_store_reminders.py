"""Reminders in the store: planned, moved, dropped, and claimed once under leases."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.store import Store

from .conftest import Database, FakeClock
from .factories import booking

START = dt.datetime(2030, 8, 15, 18, 0, tzinfo=dt.UTC)
DUE = START - dt.timedelta(hours=2)


async def test_scheduling_moving_and_dropping(store: Store) -> None:
    await store.schedule_reminder("bk-1", starts_at=START, due_at=DUE)
    first = await store.get_reminder("bk-1")
    assert first is not None and (first.starts_at, first.due_at, first.state) == (
        START, DUE, "pending",
    )  # fmt: skip

    later = START + dt.timedelta(days=1)
    await store.schedule_reminder("bk-1", starts_at=later, due_at=later - dt.timedelta(hours=2))
    moved = await store.get_reminder("bk-1")
    assert moved is not None and moved.starts_at == later

    assert await store.drop_reminder("bk-1") is True
    assert await store.get_reminder("bk-1") is None
    assert await store.drop_reminder("bk-1") is False


async def test_a_due_reminder_is_claimed_once_and_not_early(store: Store) -> None:
    await store.schedule_reminder("bk-1", starts_at=START, due_at=DUE)
    early = DUE - dt.timedelta(seconds=1)
    assert await store.claim_due_reminders("w1", now=early, limit=10, lease_seconds=60) == []

    [claimed] = await store.claim_due_reminders("w1", now=DUE, limit=10, lease_seconds=60)
    assert claimed.booking_id == "bk-1" and claimed.attempts == 1
    # Another worker, while the lease holds: nothing.
    assert await store.claim_due_reminders("w2", now=DUE, limit=10, lease_seconds=60) == []
    # The first worker died: once its lease runs out another takes the reminder over.
    lapsed = DUE + dt.timedelta(seconds=61)
    [again] = await store.claim_due_reminders("w2", now=lapsed, limit=10, lease_seconds=60)
    assert again.attempts == 2
    assert await store.finish_reminder(claimed, "w1", state="sent") is False  # not w1's now
    assert await store.finish_reminder(again, "w2", state="sent") is True
    assert await store.claim_due_reminders("w3", now=lapsed, limit=10, lease_seconds=60) == []


async def test_a_sent_reminder_is_not_planned_again_for_the_same_start(store: Store) -> None:
    await store.schedule_reminder("bk-1", starts_at=START, due_at=DUE)
    [claimed] = await store.claim_due_reminders("w1", now=DUE, limit=10, lease_seconds=60)
    await store.finish_reminder(claimed, "w1", state="sent")

    await store.schedule_reminder("bk-1", starts_at=START, due_at=DUE)  # e.g. a replayed hook
    assert (await store.get_reminder("bk-1")).state == "sent"  # type: ignore[union-attr]
    assert await store.drop_reminder("bk-1") is False  # a sent one is kept as a record

    later = START + dt.timedelta(hours=3)  # moved after it was sent: a new reminder
    await store.schedule_reminder("bk-1", starts_at=later, due_at=later - dt.timedelta(hours=2))
    assert (await store.get_reminder("bk-1")).state == "pending"  # type: ignore[union-attr]


async def test_a_reminder_moved_while_leased_is_not_finished_by_its_old_lease(
    store: Store,
) -> None:
    await store.schedule_reminder("bk-1", starts_at=START, due_at=DUE)
    [claimed] = await store.claim_due_reminders("w1", now=DUE, limit=10, lease_seconds=60)
    later = START + dt.timedelta(hours=1)
    await store.schedule_reminder("bk-1", starts_at=later, due_at=later - dt.timedelta(hours=2))
    assert await store.finish_reminder(claimed, "w1", state="sent") is False
    assert (await store.get_reminder("bk-1")).state == "pending"  # type: ignore[union-attr]


async def test_release_puts_it_back_for_later(store: Store) -> None:
    await store.schedule_reminder("bk-1", starts_at=START, due_at=DUE)
    [claimed] = await store.claim_due_reminders("w1", now=DUE, limit=10, lease_seconds=60)
    retry_at = DUE + dt.timedelta(minutes=1)
    assert await store.release_reminder(claimed, "w1", retry_at=retry_at, error="Slack HTTP 503")
    assert await store.claim_due_reminders("w1", now=DUE, limit=10, lease_seconds=60) == []
    [again] = await store.claim_due_reminders("w1", now=retry_at, limit=10, lease_seconds=60)
    assert again.attempts == 2


async def test_concurrent_workers_on_separate_connections_claim_each_once(
    database: Database, clock: FakeClock
) -> None:
    """Like several serving processes: each its own Store (engine, connections)."""
    stores = [await database.open() for _ in range(3)]
    for index in range(30):
        await stores[0].schedule_reminder(f"bk-{index}", starts_at=START, due_at=DUE)

    async def claim_all(store: Store, worker: str) -> list[str]:
        mine: list[str] = []
        while claimed := await store.claim_due_reminders(
            worker, now=DUE, limit=4, lease_seconds=60
        ):
            mine += [reminder.booking_id for reminder in claimed]
        return mine

    results = await asyncio.gather(*(claim_all(store, f"w{n}") for n, store in enumerate(stores)))
    claimed = [booking_id for result in results for booking_id in result]
    assert sorted(claimed) == sorted(f"bk-{index}" for index in range(30))  # each once


async def test_bookings_keep_a_duration(store: Store) -> None:
    await store.save_booking(booking("bk-1", duration=90))
    stored = await store.get_booking("bk-1")
    assert stored is not None and stored.duration == 90


async def test_apply_details_takes_newer_changes_only(store: Store) -> None:
    t1 = dt.datetime(2025, 6, 17, 10, 0, tzinfo=dt.UTC)
    await store.save_booking(booking("bk-1", last_update=t1))
    newer, older = t1 + dt.timedelta(minutes=5), t1 - dt.timedelta(minutes=5)

    assert await store.apply_details("bk-1", older, time="21:00") is False
    assert await store.apply_details(
        "bk-1", newer, date=dt.date(2025, 7, 2), time="20:00", party_size=6, duration=150
    )
    stored = await store.get_booking("bk-1")
    assert stored is not None
    assert (stored.date, stored.time, stored.party_size, stored.duration) == (
        dt.date(2025, 7, 2), "20:00", 6, 150,
    )  # fmt: skip
    assert stored.last_update == t1  # apply_status's to move, never this
    assert await store.apply_details("bk-1", newer, time="20:00") is False  # no change
