"""The plan flows whose correctness rests on the database, run again on Postgres (the
database several serving processes share): fifty votes at once, toggling and moving a vote,
a deadline booked by a new app instance, and reminders to whoever is in.

The tests are the same functions as on SQLite, imported here so pytest runs them with
this module's `stack`, which overrides the SQLite one from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.devtools.stack import LocalStack
from tests.webhooks.support import postgres_database

from .test_plan_flow import (
    test_a_second_click_toggles_and_another_option_moves_the_vote,
    test_fifty_people_voting_at_once_are_all_counted,
    test_the_deadline_books_the_winner_after_a_restart,
)
from .test_plan_reminders import test_the_reminder_reaches_whoever_is_in_at_its_time

__all__ = [
    "test_a_second_click_toggles_and_another_option_moves_the_vote",
    "test_fifty_people_voting_at_once_are_all_counted",
    "test_the_deadline_books_the_winner_after_a_restart",
    "test_the_reminder_reaches_whoever_is_in_at_its_time",
]


@pytest.fixture
async def stack() -> AsyncIterator[LocalStack]:
    """A LocalStack on a fresh Postgres database (skipped, saying why, without one)."""
    async with postgres_database() as url:
        with LocalStack(database_url=url) as running:
            yield running
