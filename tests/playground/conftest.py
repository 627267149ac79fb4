"""Fixtures: a LocalStack with the playground served next to it, and headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.playground import create_playground_app
from bot.devtools.serving import BackgroundServer
from bot.devtools.stack import LocalStack

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def next_wednesday() -> str:
    """A day every seeded Dishoom is open, whatever day the suite runs."""
    today = date.today()
    return (today + timedelta(days=(2 - today.weekday()) % 7 or 7)).isoformat()


@dataclass
class Playground:
    stack: LocalStack
    server: BackgroundServer

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def playground() -> Iterator[Playground]:
    with LocalStack() as stack:
        # Short SSE streams so stopping the server never waits on an open one.
        app = create_playground_app(stack, sse_max_seconds=1.0)
        with BackgroundServer(app) as server:
            yield Playground(stack, server)


def chromium_path() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium executable found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
