"""ViewSync against the fake Slack's real views.* endpoints (hash semantics included)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.fake_slack import FakeSlack
from bot.devtools.serving import BackgroundServer
from bot.slack.views_sync import MAX_TRACKED, ViewSync

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


async def test_a_payload_older_than_our_update_does_not_hide_its_hash(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """Two quick choices: the second action's payload was sent before the first one's
    update landed, so it carries the hash that update replaced."""
    sync = ViewSync()
    opened = await _open(fake, client)
    sync.saw(opened)
    assert await sync.update(client, opened["id"], modal("first"), view_hash=opened["hash"])
    sync.saw(opened)  # the second action's payload, handled after the first update
    ticket = sync.begin(opened["id"])
    assert await sync.update(
        client, opened["id"], modal("second"), view_hash=opened["hash"], ticket=ticket
    )
    assert _text(fake, opened["id"]) == "second"


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


async def test_a_burst_of_other_modals_does_not_forget_the_newest_refresh(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    sync = ViewSync()
    opened = await _open(fake, client)
    older = sync.begin(opened["id"])
    for index in range(MAX_TRACKED - 1):
        sync.begin(f"V_OTHER{index}")
    newer = sync.begin(opened["id"])
    for index in range(MAX_TRACKED - 1, MAX_TRACKED + 1):
        sync.begin(f"V_OTHER{index}")  # more views than tracked: the least recent go
    assert not await sync.update(client, opened["id"], modal("old"), ticket=older)
    assert await sync.update(client, opened["id"], modal("new"), ticket=newer)
    assert _text(fake, opened["id"]) == "new"


async def test_a_refresh_handled_by_another_process_updates_the_modal(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """`first` opened and filled the modal; the next action lands on a process that never
    saw this view (an empty ViewSync): it updates with the hash of its payload."""
    first, second = ViewSync(), ViewSync()
    opened = await _open(fake, client)
    first.saw(opened)
    assert await first.update(client, opened["id"], modal("form"), view_hash=opened["hash"])
    payload_view = fake.view(opened["id"])  # what Slack sends with the user's next action
    assert payload_view is not None

    second.saw(payload_view)
    ticket = second.begin(opened["id"])
    assert await second.update(
        client, opened["id"], modal("times for 4"), view_hash=payload_view["hash"], ticket=ticket
    )
    assert _text(fake, opened["id"]) == "times for 4"


async def test_a_late_refresh_on_another_process_leaves_the_newer_content(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """The process that answers an older action finishes last: Slack's hash says the view
    changed since its payload, and it knows no newer hash, so the newer content stays."""
    first, second = ViewSync(), ViewSync()
    opened = await _open(fake, client)
    first.saw(opened)
    second.saw(opened)  # both payloads carried the hash of the open form
    assert await first.update(client, opened["id"], modal("newer"), view_hash=opened["hash"])

    ticket = second.begin(opened["id"])
    assert not await second.update(
        client, opened["id"], modal("older"), view_hash=opened["hash"], ticket=ticket
    )
    assert _text(fake, opened["id"]) == "newer"
