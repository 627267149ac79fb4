"""Slack submission idempotency: exactly one caller per key gets to book."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

from bot.store import Store, Submission
from bot.store.records import Fingerprint
from tests.store.conftest import Database, FakeClock
from tests.store.factories import booking


async def test_first_call_is_new_then_in_progress(store: Store) -> None:
    assert await store.begin_submission("view-1", team_id="T", user_id="U") == Submission(
        "new", None
    )
    assert await store.begin_submission("view-1", team_id="T", user_id="U") == Submission(
        "in_progress", None
    )
    assert (await store.begin_submission("view-2", team_id="T", user_id="U")).state == "new"


async def test_finished_submission_reports_its_booking(store: Store) -> None:
    await store.begin_submission("view-1", team_id="T", user_id="U")
    await store.finish_submission("view-1", "bk-42")
    assert await store.begin_submission("view-1", team_id="T", user_id="U") == Submission(
        "done", "bk-42"
    )


async def test_abandoned_submission_can_be_retried(store: Store) -> None:
    await store.begin_submission("view-1", team_id="T", user_id="U")
    await store.abandon_submission("view-1")
    assert (await store.begin_submission("view-1", team_id="T", user_id="U")).state == "new"


async def test_abandon_never_forgets_a_finished_booking(store: Store) -> None:
    await store.begin_submission("view-1", team_id="T", user_id="U")
    await store.finish_submission("view-1", "bk-42")
    await store.abandon_submission("view-1")
    assert await store.begin_submission("view-1", team_id="T", user_id="U") == Submission(
        "done", "bk-42"
    )


async def test_twenty_concurrent_begins_give_exactly_one_new(store: Store) -> None:
    results = await asyncio.gather(
        *(store.begin_submission("view-race", team_id="T", user_id="U") for _ in range(20))
    )
    states = [result.state for result in results]
    assert states.count("new") == 1
    assert states.count("in_progress") == 19


async def test_concurrent_begins_across_two_stores(database: Database) -> None:
    """Two processes (two engines) racing on the same keys."""
    first, second = await database.open(), await database.open()
    keys = [f"view-{n}" for n in range(10)]
    results = await asyncio.gather(
        *(
            store.begin_submission(key, team_id="T", user_id="U")
            for key in keys
            for store in (first, second, first, second)
        )
    )
    for index in range(len(keys)):
        per_key = results[index * 4 : index * 4 + 4]
        assert [result.state for result in per_key].count("new") == 1


# --- finishing by the app or by a webhook (adoption) ------------------------------------


async def test_context_is_kept_with_the_submission(store: Store) -> None:
    context = {"venue_name": "Dishoom", "party_size": 2}
    await store.begin_submission("view-1", team_id="T", user_id="U", context=context)
    stored = await store.get_submission("view-1")
    assert stored == Submission("in_progress", None, context, None)
    assert await store.get_submission("unknown") is None


async def test_app_finish_saves_the_record_once(store: Store) -> None:
    await store.begin_submission("view-1", team_id="T", user_id="U")
    assert await store.finish_submission("view-1", "bk-1", record=booking("bk-1"))
    assert (await store.get_booking("bk-1")) is not None
    # A second finish (or one after adoption) changes nothing and says so.
    assert not await store.finish_submission("view-1", "bk-1", record=booking("bk-1"))
    assert (await store.get_submission("view-1")).finished_by == "app"  # type: ignore[union-attr]


async def test_adoption_finishes_the_submission_and_is_idempotent(store: Store) -> None:
    await store.begin_submission("view-1", team_id="T", user_id="U", context={"a": 1})
    assert await store.adopt_submission("view-1", booking("bk-1"))
    assert await store.adopt_submission("view-1", booking("bk-1"))  # a retried job
    assert not await store.adopt_submission("view-1", booking("bk-other"))
    assert await store.begin_submission("view-1", team_id="T", user_id="U") == Submission(
        "done", "bk-1"
    )
    assert (await store.get_booking("bk-1")) is not None
    # The create's late answer must not finish it a second time (nor post again).
    assert not await store.finish_submission("view-1", "bk-1", record=booking("bk-1"))


async def test_no_adoption_of_what_the_app_finished_or_abandoned(store: Store) -> None:
    await store.begin_submission("view-1", team_id="T", user_id="U")
    await store.finish_submission("view-1", "bk-1")
    assert not await store.adopt_submission("view-1", booking("bk-1"))
    await store.begin_submission("view-2", team_id="T", user_id="U")
    await store.abandon_submission("view-2")
    assert not await store.adopt_submission("view-2", booking("bk-2"))
    assert await store.get_booking("bk-2") is None


async def test_adoption_and_app_finish_race_one_winner(store: Store) -> None:
    await store.begin_submission("view-1", team_id="T", user_id="U")
    results = await asyncio.gather(
        store.finish_submission("view-1", "bk-1", record=booking("bk-1")),
        store.adopt_submission("view-1", booking("bk-1")),
    )
    assert sorted(results) == [False, True]


# --- fingerprints (adoption without partnerBookingId) and the sweep -------------------

FINGERPRINT = Fingerprint("29|CO|venue|product", dt.date(2030, 8, 15), "19:30", 4, "Ann@X.io")
WINDOW = {"skew": dt.timedelta(minutes=2), "bound": dt.timedelta(minutes=30)}


async def test_submissions_match_by_fingerprint_within_the_creation_window(
    store: Store, clock: FakeClock
) -> None:
    begun = clock.now
    await store.begin_submission("view-1", team_id="T", user_id="U", fingerprint=FINGERPRINT)
    await store.begin_submission(
        "view-2", team_id="T", user_id="U", fingerprint=replace(FINGERPRINT, party_size=5)
    )
    # The webhook shows the time with seconds and the email in another case.
    seen = replace(FINGERPRINT, time="19:30:00", email="ann@x.IO")

    async def keys(created: dt.datetime | None) -> list[str]:
        found = await store.submissions_matching(seen, created=created, **WINDOW)
        return [s.key for s in found]

    assert await keys(None) == ["view-1"]
    assert await keys(begun + dt.timedelta(minutes=29)) == ["view-1"]
    assert await keys(begun - dt.timedelta(minutes=1)) == ["view-1"]  # Bookable's clock
    assert await keys(begun - dt.timedelta(minutes=3)) == []  # before the submission began
    assert await keys(begun + dt.timedelta(minutes=31)) == []  # after it was given up on
    await store.finish_submission("view-1", "bk-1")
    assert await keys(None) == []  # only open submissions


async def test_a_stale_submission_is_resolved_once_with_a_job_for_the_booker(
    database: Database, clock: FakeClock
) -> None:
    first, second = await database.open(), await database.open()
    await first.begin_submission("view-1", team_id="T", user_id="U")
    clock.advance(60)
    await first.begin_submission("view-2", team_id="T", user_id="U")
    stale = await first.stale_submissions(older_than=dt.timedelta(seconds=30), limit=10)
    assert [s.key for s in stale] == ["view-1"]
    results = await asyncio.gather(
        first.resolve_submission_unknown("view-1"), second.resolve_submission_unknown("view-1")
    )
    assert sorted(results) == [False, True]
    assert (await first.begin_submission("view-1", team_id="T", user_id="U")).state == "unknown"
    assert not await first.finish_submission("view-1", "bk-late")  # too late to finish
    [job] = await first.claim_outbox("w", limit=10, lease_seconds=30)
    assert (job.kind, job.booking_id, job.event_id, job.payload) == (
        "unresolved", "submission:view-1", None, {},
    )  # fmt: skip


async def test_finishing_with_a_record_queues_its_confirmation(store: Store) -> None:
    await store.begin_submission("view-1", team_id="T", user_id="U")
    record = booking("bk-1")
    assert await store.finish_submission("view-1", "bk-1", record=record)
    assert not await store.finish_submission("view-1", "bk-1", record=record)  # once
    [job] = await store.claim_outbox("w", limit=10, lease_seconds=30)
    assert (job.kind, job.booking_id, job.status) == ("confirm", "bk-1", record.status)
