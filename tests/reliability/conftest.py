"""Fixtures for the fault, fuzz and secrets suites.

Every stack here is a `ReliabilityStack`: distinctive secrets, a root log capture at
DEBUG for its whole life, and an audit when it stops: no secret in any log record or in
anything sent to Slack, no payload Slack refused, no mention markup the app did not mean.
So every flow of this folder is also a secrets test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .audits import audit
from .reliable_stack import ReliabilityStack

StackFactory = Callable[..., ReliabilityStack]


@pytest.fixture
def make_stack() -> Iterator[StackFactory]:
    """`make_stack(settings_overrides=..., sandbox_options=..., fake_slack_options=...)`:
    a started stack, audited and stopped after the test."""
    started: list[ReliabilityStack] = []

    def make(**options: Any) -> ReliabilityStack:
        stack = ReliabilityStack(**options).start()
        started.append(stack)
        return stack

    yield make
    try:
        for stack in started:
            audit(stack)
    finally:
        for stack in started:
            stack.stop()


@pytest.fixture
def stack(make_stack: StackFactory) -> ReliabilityStack:
    """A fresh stack with the search cache off, so each Bookable fault is really hit."""
    return make_stack(settings_overrides={"bookable_search_cache_ttl": 0})
