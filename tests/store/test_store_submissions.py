"""Slack submission idempotency: exactly one caller per key gets to book."""

from __future__ import annotations

import asyncio

from bot.store import Store, Submission
from tests.store.conftest import Database


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
