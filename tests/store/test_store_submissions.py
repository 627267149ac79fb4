"""Slack submission idempotency: exactly one caller per key gets to book."""

from __future__ import annotations

import asyncio

from bot.store import Store, Submission
from tests.store.conftest import Database
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
