"""One fake Slack server per module (reset before every test), a manual clock, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.fake_slack import FakeSlack
from bot.devtools.serving import BackgroundServer

BOT_TOKEN = "xoxb-fake-test-token-0001"
SIGNING_SECRET = "fake-signing-secret-for-tests"


class ManualClock:
    """Monotonic time that moves only when a test says so (triggers, response_urls, rates)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def served_fake(clock: ManualClock) -> Iterator[tuple[FakeSlack, BackgroundServer]]:
    fake = FakeSlack(
        bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, clock=clock, sse_max_seconds=3.0
    )
    server = BackgroundServer(fake.app).start()
    fake.base_url = server.url
    yield fake, server
    fake.close_streams()
    server.stop()


@pytest.fixture
def fake(served_fake: tuple[FakeSlack, BackgroundServer]) -> FakeSlack:
    slack, _ = served_fake
    slack.reset()
    slack.rate_per_channel = None
    slack.burst = 3
    return slack


@pytest.fixture
def slack_url(served_fake: tuple[FakeSlack, BackgroundServer], fake: FakeSlack) -> str:
    return served_fake[1].url


@pytest.fixture
async def client(slack_url: str) -> AsyncIterator[AsyncWebClient]:
    yield AsyncWebClient(token=BOT_TOKEN, base_url=f"{slack_url}/api/")
