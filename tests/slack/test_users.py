"""`UserDirectory`: users.info answers cached, failures not cached, against the fake Slack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.fake_slack import FakeSlack
from bot.devtools.serving import BackgroundServer
from bot.slack.users import UserDirectory

TOKEN = "xoxb-users-test"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(bot_token=TOKEN)
    with BackgroundServer(slack.app) as server:
        slack.base_url = server.url
        yield slack


async def test_a_user_is_looked_up_once_then_served_from_the_cache(fake: FakeSlack) -> None:
    users = UserDirectory(AsyncWebClient(token=TOKEN, base_url=f"{fake.base_url}/api/"))
    first = await users.get("U_ALICE")
    again = await users.get("U_ALICE")
    assert first is not None and first == again and first.id == "U_ALICE"
    assert len(fake.calls_to("users.info")) == 1


async def test_a_failed_lookup_is_not_cached(fake: FakeSlack) -> None:
    users = UserDirectory(AsyncWebClient(token=TOKEN, base_url=f"{fake.base_url}/api/"))
    fake.inject("users.info", error="fatal_error")
    assert await users.get("U_ALICE") is None
    found = await users.get("U_ALICE")
    assert found is not None and found.id == "U_ALICE"
