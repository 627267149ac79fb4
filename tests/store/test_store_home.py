"""What the App Home tab reads: a user's bookings split into upcoming (soonest first,
paged) and past, with counts; and the subscriptions they set up."""

from __future__ import annotations

import datetime as dt

from bot.store import Store

from .factories import booking

TODAY = dt.date(2030, 6, 10)
CLOSED = frozenset({"cancelled", "declined", "completed", "no_show"})


async def _home(store: Store, **options: int) -> tuple[list[str], int, list[str], int]:
    found = await store.home_bookings("T1", "U1", today=TODAY, closed_statuses=CLOSED, **options)
    return (
        [r.booking_id for r in found.upcoming],
        found.upcoming_total,
        [r.booking_id for r in found.past],
        found.past_total,
    )


async def test_upcoming_soonest_first_past_newest_first_others_excluded(store: Store) -> None:
    day = dt.timedelta(days=1)
    for record in [
        booking("later", date=TODAY + 3 * day, status="confirmed"),
        booking("tonight", date=TODAY, time="20:00", status="pending"),
        booking("lunch", date=TODAY, time="12:30", status="confirmed"),
        booking("cancelled-ahead", date=TODAY + day, status="cancelled"),
        booking("yesterday", date=TODAY - day, status="confirmed"),
        booking("last-week", date=TODAY - 7 * day, status="completed"),
        booking("other-user", user_id="U2", date=TODAY + day, status="confirmed"),
        booking("other-team", team_id="T2", date=TODAY + day, status="confirmed"),
    ]:
        await store.save_booking(record)
    assert await _home(store) == (["lunch", "tonight", "later"], 3, [], 3)
    assert await _home(store, past_limit=2) == (
        ["lunch", "tonight", "later"], 3, ["cancelled-ahead", "yesterday"], 3,
    )  # fmt: skip
    assert await _home(store, offset=1, limit=1) == (["tonight"], 3, [], 3)
    assert await _home(store, offset=9, limit=5) == ([], 3, [], 3)


async def test_an_unknown_status_counts_as_upcoming(store: Store) -> None:
    await store.save_booking(booking("odd", date=TODAY, status="arrived"))
    assert await _home(store) == (["odd"], 1, [], 0)


async def test_nothing_at_all(store: Store) -> None:
    assert await _home(store, past_limit=5) == ([], 0, [], 0)
    assert await store.subscriptions_created_by("T1", "U1") == []


async def test_subscriptions_created_by_the_user(store: Store) -> None:
    mine = await store.add_subscription("T1", "C1", created_by="U1", venue="Dishoom")
    also = await store.add_subscription("T1", "C2", created_by="U1")
    await store.add_subscription("T1", "C3", created_by="U2")
    await store.add_subscription("T2", "C4", created_by="U1")
    assert await store.subscriptions_created_by("T1", "U1") == [mine, also]
