"""views.* through slack_sdk: triggers, hashes, validation, input that survives updates."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.fake_slack import FakeSlack

from .conftest import ManualClock


def modal(
    title: str = "Book a table", *, name_block: str = "name", extra: int = 0
) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": name_block,
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ]
    blocks += [{"type": "divider"} for _ in range(extra)]
    return {
        "type": "modal",
        "callback_id": "booking",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Book"},
        "private_metadata": "venue=1",
        "blocks": blocks,
    }


async def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as error:
        await call
    return error.value.response.data  # type: ignore[return-value]


async def test_views_open_needs_a_fresh_unused_trigger(
    fake: FakeSlack, client: AsyncWebClient, clock: ManualClock
) -> None:
    trigger = fake.issue_trigger_id("U_ALICE")
    opened = await client.views_open(trigger_id=trigger, view=modal())
    view = opened["view"]
    assert view["id"] and view["hash"] and view["private_metadata"] == "venue=1"
    assert view["state"] == {
        "values": {"name": {"value": {"type": "plain_text_input", "value": None}}}
    }
    assert fake.current_view("U_ALICE")["id"] == view["id"]  # type: ignore[index]

    reused = await error_of(client.views_open(trigger_id=trigger, view=modal()))
    assert reused["error"] == "expired_trigger_id"

    late = fake.issue_trigger_id("U_ALICE")
    clock.advance(3.1)
    expired = await error_of(client.views_open(trigger_id=late, view=modal()))
    assert expired["error"] == "expired_trigger_id"

    made_up = await error_of(client.views_open(trigger_id="123.456.abc", view=modal()))
    assert made_up["error"] == "invalid_trigger_id"


async def test_views_update_rejects_a_stale_hash(fake: FakeSlack, client: AsyncWebClient) -> None:
    view = (await client.views_open(trigger_id=fake.issue_trigger_id("U_ALICE"), view=modal()))[
        "view"
    ]
    updated = await client.views_update(view_id=view["id"], hash=view["hash"], view=modal("Step 2"))
    assert updated["view"]["hash"] != view["hash"]
    assert updated["view"]["title"]["text"] == "Step 2"

    stale = await error_of(
        client.views_update(view_id=view["id"], hash=view["hash"], view=modal("Step 3"))
    )
    assert stale["error"] == "hash_conflict"
    assert fake.view(view["id"])["title"]["text"] == "Step 2"  # type: ignore[index]

    unknown = await error_of(client.views_update(view_id="VNOPE", view=modal()))
    assert unknown["error"] == "not_found"


async def test_input_survives_an_update_only_with_the_same_ids(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    view = (await client.views_open(trigger_id=fake.issue_trigger_id("U_ALICE"), view=modal()))[
        "view"
    ]
    fake.set_view_value(view["id"], "name", "value", {"type": "plain_text_input", "value": "Alice"})

    same_ids = await client.views_update(view_id=view["id"], view=modal("Again"))
    assert same_ids["view"]["state"]["values"]["name"]["value"]["value"] == "Alice"

    renamed = await client.views_update(
        view_id=view["id"], view=modal("Reset", name_block="name-2")
    )
    assert renamed["view"]["state"]["values"]["name-2"]["value"]["value"] is None


async def test_modal_limits(fake: FakeSlack, client: AsyncWebClient) -> None:
    long_title = await error_of(
        client.views_open(trigger_id=fake.issue_trigger_id("U_ALICE"), view=modal("x" * 25))
    )
    assert long_title["error"] == "invalid_arguments"
    assert "title" in long_title["response_metadata"]["messages"][0]

    too_many = await error_of(
        client.views_open(trigger_id=fake.issue_trigger_id("U_ALICE"), view=modal(extra=100))
    )
    assert too_many["error"] == "invalid_arguments"

    big_metadata = {**modal(), "private_metadata": "m" * 3001}
    rejected = await error_of(
        client.views_open(trigger_id=fake.issue_trigger_id("U_ALICE"), view=big_metadata)
    )
    assert "private_metadata" in rejected["errors"][0]
    assert fake.current_view("U_ALICE") is None


async def test_push_is_limited_to_three_views(fake: FakeSlack, client: AsyncWebClient) -> None:
    root = (await client.views_open(trigger_id=fake.issue_trigger_id("U_BOB"), view=modal()))[
        "view"
    ]
    for _ in range(2):
        pushed = await client.views_push(
            trigger_id=fake.issue_trigger_id("U_BOB"), view=modal("More")
        )
        assert pushed["view"]["root_view_id"] == root["id"]
    limit = await error_of(
        client.views_push(trigger_id=fake.issue_trigger_id("U_BOB"), view=modal("Too far"))
    )
    assert limit["error"] == "push_limit_reached"
    assert len(fake.view_stack("U_BOB")) == 3


async def test_home_tab_is_published_per_user(fake: FakeSlack, client: AsyncWebClient) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    published = await client.views_publish(user_id="U_CAROL", view=home)
    assert published["view"]["type"] == "home"
    assert fake.home_view("U_CAROL")["id"] == published["view"]["id"]  # type: ignore[index]
