"""Bookings: upsert, lookups, and status updates that never go back in time."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.store import Store
from tests.store.conftest import FakeClock
from tests.store.factories import at, booking


async def test_save_and_get_round_trip(store: Store) -> None:
    record = booking(last_update=at(0), created_at=at(-5), posted_in_dm=True)
    await store.save_booking(record)
    assert await store.get_booking("bk-1") == record
    assert await store.get_booking("nope") is None


async def test_created_at_defaults_to_now(store: Store, clock: FakeClock) -> None:
    await store.save_booking(booking())
    saved = await store.get_booking("bk-1")
    assert saved is not None
    assert saved.created_at == clock.now


async def test_naive_timestamps_are_taken_as_utc(store: Store) -> None:
    naive = dt.datetime(2025, 6, 17, 10, 30)
    await store.save_booking(booking(last_update=naive))
    saved = await store.get_booking("bk-1")
    assert saved is not None
    assert saved.last_update == naive.replace(tzinfo=dt.UTC)
    assert saved.last_update is not None and saved.last_update.tzinfo is not None


async def test_other_offsets_are_normalised_to_utc(store: Store) -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    await store.save_booking(booking(last_update=dt.datetime(2025, 6, 17, 12, 30, tzinfo=paris)))
    saved = await store.get_booking("bk-1")
    assert saved is not None and saved.last_update == at(0)
    assert saved.last_update.utcoffset() == dt.timedelta(0)


async def test_save_is_an_upsert(store: Store) -> None:
    await store.save_booking(booking(party_size=2, created_at=at(0)))
    await store.save_booking(booking(party_size=6, time="20:00", created_at=at(10)))
    saved = await store.get_booking("bk-1")
    assert saved is not None
    assert (saved.party_size, saved.time) == (6, "20:00")
    assert saved.created_at == at(0)  # first save wins


async def test_resave_does_not_undo_a_newer_status(store: Store) -> None:
    await store.save_booking(booking(status="pending"))
    assert await store.apply_status("bk-1", "confirmed", at(5))
    await store.save_booking(booking(status="pending", last_update=at(1)))
    saved = await store.get_booking("bk-1")
    assert saved is not None
    assert (saved.status, saved.last_update) == ("confirmed", at(5))


async def test_set_booking_message(store: Store) -> None:
    await store.save_booking(booking())
    await store.set_booking_message("bk-1", "D123", "1718620000.000100", posted_in_dm=True)
    saved = await store.get_booking("bk-1")
    assert saved is not None
    assert (saved.channel_id, saved.message_ts, saved.posted_in_dm) == (
        "D123",
        "1718620000.000100",
        True,
    )


async def test_list_for_user_newest_first_with_limit(store: Store) -> None:
    for n in range(5):
        await store.save_booking(booking(f"bk-{n}", created_at=at(n)))
    await store.save_booking(booking("other-user", user_id="U2", created_at=at(9)))
    await store.save_booking(booking("other-team", team_id="T2", created_at=at(9)))
    listed = await store.list_bookings_for_user("T1", "U1", limit=3)
    assert [record.booking_id for record in listed] == ["bk-4", "bk-3", "bk-2"]


async def test_venue_names_of_the_newest_app_booking_of_a_product(store: Store) -> None:
    await store.save_booking(booking("old", venue_name="Old Name", created_at=at(0)))
    await store.save_booking(booking("new", venue_name="New Name", created_at=at(5)))
    await store.save_booking(booking("unnamed", venue_name="", created_at=at(9)))
    await store.save_booking(booking("solo", composite_id="p-2", venue_group=None))

    assert await store.venue_names("venue-1:product-1") == ("New Name", "Dishoom")
    assert await store.venue_names("p-2") == ("Dishoom Shoreditch", None)
    assert await store.venue_names("never-booked") is None


async def test_apply_status_only_moves_forward(store: Store) -> None:
    await store.save_booking(booking(status="pending"))
    assert await store.apply_status("bk-1", "Confirmed", at(10))  # stored None: applies
    assert not await store.apply_status("bk-1", "pending", at(5))  # older: ignored
    assert not await store.apply_status("bk-1", "pending", at(10))  # same instant: ignored
    saved = await store.get_booking("bk-1")
    assert saved is not None
    assert (saved.status, saved.last_update) == ("confirmed", at(10))
    # Undated (Bookable may omit lastUpdate): arrival order, the newest time seen is kept.
    assert await store.apply_status("bk-1", "pending", None)
    saved = await store.get_booking("bk-1")
    assert saved is not None
    assert (saved.status, saved.last_update) == ("pending", at(10))
    assert not await store.apply_status("bk-1", "confirmed", at(9))  # still older: ignored
    assert await store.apply_status("bk-1", "confirmed", at(10.5))

    assert await store.apply_status("bk-1", "cancelled", at(11))
    saved = await store.get_booking("bk-1")
    assert saved is not None and saved.status == "cancelled"


async def test_apply_status_without_timestamps(store: Store) -> None:
    await store.save_booking(booking(status="pending"))
    assert await store.apply_status("bk-1", "confirmed", None)
    saved = await store.get_booking("bk-1")
    assert saved is not None and saved.status == "confirmed"


async def test_apply_status_on_unknown_booking(store: Store) -> None:
    assert not await store.apply_status("unknown", "confirmed", at(0))


def test_records_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        booking().status = "confirmed"  # type: ignore[misc]
