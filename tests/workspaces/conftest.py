"""A LocalStack in OAuth mode (many workspaces), and its store opened from the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.devtools.stack import LocalStack
from bot.store import Store

ALPHA, BETA = "T_ALPHA", "T_BETA"


@pytest.fixture
def oauth_stack() -> Iterator[LocalStack]:
    with LocalStack(oauth=True) as running:
        yield running


@pytest.fixture
def oauth_stack_with() -> Iterator[Any]:
    """`oauth_stack_with(fake_slack_options=..., settings_overrides=...)`."""
    started: list[LocalStack] = []

    def start(**options: Any) -> LocalStack:
        stack = LocalStack(oauth=True, **options).start()
        started.append(stack)
        return stack

    yield start
    for stack in started:
        stack.stop()


@pytest.fixture
async def app_store(oauth_stack: LocalStack) -> AsyncIterator[Store]:
    """The app's database, opened with its key (as another process would)."""
    store = await _open(oauth_stack)
    yield store
    await store.close()


async def _open(stack: LocalStack) -> Store:
    assert stack.settings is not None and stack.settings.bot_encryption_key is not None
    return await Store.connect(
        stack.database_url, encryption_key=stack.settings.bot_encryption_key.get_secret_value()
    )


open_store = _open
