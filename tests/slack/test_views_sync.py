"""ViewSync against the fake Slack's real views.* endpoints (hash semantics included)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.fake_slack import FakeSlack
from bot.devtools.serving import BackgroundServer
from bot.slack.views_sync import ViewSync

TOKEN = "xoxb-views-sync-test"


def modal(text: str) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Test"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}  # fmt: skip


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(bot_token=TOKEN, signing_secret="views-sync-secret")
    with BackgroundServer(slack.app) as server:
        slack.base_url = server.url
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=f"{fake.base_url}/api/")


async def _open(fake: FakeSlack, client: AsyncWebClient) -> dict[str, Any]:
    trigger = fake.issue_trigger_id("U_ALICE")
    return dict((await client.views_open(trigger_id=trigger, view=modal("one")))["view"])


def _text(fake: FakeSlack, view_id: str) -> str:
    view = fake.view(view_id)
    assert view is not None
    return str(view["blocks"][0]["text"]["text"])


async def test_a_stale_hash_is_retried_with_the_latest_known(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    sync = ViewSync()
    opened = await _open(fake, client)
    sync.saw(opened)
    assert await sync.update(client, opened["id"], modal("two"), view_hash=opened["hash"])
    # a refresh computed from the first version arrives late, with the first hash
    assert await sync.update(client, opened["id"], modal("three"), view_hash=opened["hash"])
    assert _text(fake, opened["id"]) == "three"


async def test_an_unknown_newer_hash_is_left_alone(fake: FakeSlack, client: AsyncWebClient) -> None:
    sync = ViewSync()
    opened = await _open(fake, client)
    await client.views_update(view_id=opened["id"], view=modal("someone else"))
    assert not await sync.update(client, opened["id"], modal("mine"), view_hash=opened["hash"])
    assert _text(fake, opened["id"]) == "someone else"


async def test_only_the_newest_refresh_writes(fake: FakeSlack, client: AsyncWebClient) -> None:
    sync = ViewSync()
    opened = await _open(fake, client)
    older = sync.begin(opened["id"])
    newer = sync.begin(opened["id"])
    assert not await sync.update(client, opened["id"], modal("old"), ticket=older)
    assert await sync.update(client, opened["id"], modal("new"), ticket=newer)
    assert _text(fake, opened["id"]) == "new"


async def test_a_closed_modal_is_not_an_error(fake: FakeSlack, client: AsyncWebClient) -> None:
    sync = ViewSync()
    opened = await _open(fake, client)
    fake.close_view(opened["id"])
    assert not await sync.update(client, opened["id"], modal("too late"))
