"""Shared fixtures: a running LocalStack (app + embedded sandbox + fake Slack on loopback)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.devtools.stack import LocalStack


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running
