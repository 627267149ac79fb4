"""chat.* and conversations.* through slack_sdk's real AsyncWebClient."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.fake_slack import FakeSlack

from .conftest import BOT_TOKEN

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}


def ts_key(ts: str) -> tuple[int, int]:
    seconds, micros = ts.split(".")
    return int(seconds), int(micros)


async def test_post_reply_and_update_a_thread(fake: FakeSlack, client: AsyncWebClient) -> None:
    metadata = {"event_type": "booking_posted", "event_payload": {"booking_id": "B1"}}
    parent = await client.chat_postMessage(
        channel="C_GENERAL", text="Table for 2", metadata=metadata
    )
    reply = await client.chat_postMessage(
        channel="C_GENERAL", text="Confirmed", thread_ts=parent["ts"]
    )
    second = await client.chat_postMessage(
        channel="C_GENERAL", text="Seated", thread_ts=reply["ts"]
    )

    assert parent["channel"] == "C_GENERAL" and parent["message"]["text"] == "Table for 2"
    assert ts_key(parent["ts"]) < ts_key(reply["ts"]) < ts_key(second["ts"])
    assert [m["text"] for m in fake.thread("C_GENERAL", parent["ts"])] == ["Confirmed", "Seated"]
    stored_parent = fake.message("C_GENERAL", parent["ts"])
    assert stored_parent is not None and stored_parent["reply_count"] == 2
    assert [m["ts"] for m in fake.messages("C_GENERAL")] == [
        parent["ts"]
    ]  # replies are not top-level

    updated = await client.chat_update(channel="C_GENERAL", ts=parent["ts"], text="Table for 3")
    assert updated["text"] == "Table for 3" and "edited" in updated["message"]
    assert fake.message("C_GENERAL", parent["ts"])["text"] == "Table for 3"  # type: ignore[index]

    with_metadata = await client.conversations_replies(
        channel="C_GENERAL", ts=parent["ts"], include_all_metadata=True
    )
    without = await client.conversations_replies(channel="C_GENERAL", ts=parent["ts"])
    assert [m["text"] for m in with_metadata["messages"]] == ["Table for 3", "Confirmed", "Seated"]
    assert with_metadata["messages"][0]["metadata"] == metadata
    assert "metadata" not in without["messages"][0]


async def test_history_is_newest_first_and_delete_removes(
    client: AsyncWebClient, fake: FakeSlack
) -> None:
    first = await client.chat_postMessage(channel="#general", text="one")
    await client.chat_postMessage(channel="C_GENERAL", text="two")
    history = await client.conversations_history(channel="C_GENERAL")
    assert [m["text"] for m in history["messages"]] == ["two", "one"]

    await client.chat_delete(channel="C_GENERAL", ts=first["ts"])
    assert fake.message("C_GENERAL", first["ts"]) is None
    with pytest.raises(SlackApiError) as error:
        await client.chat_delete(channel="C_GENERAL", ts=first["ts"])
    assert error.value.response["error"] == "message_not_found"


async def test_posting_to_a_user_id_lands_in_their_dm(
    client: AsyncWebClient, fake: FakeSlack
) -> None:
    opened = await client.conversations_open(users="U_ALICE")
    posted = await client.chat_postMessage(channel="U_ALICE", text="Your booking")
    assert opened["channel"]["id"] == posted["channel"] == "D_ALICE"
    assert [m["text"] for m in fake.messages("D_ALICE")] == ["Your booking"]


async def test_channel_errors(client: AsyncWebClient, fake: FakeSlack) -> None:
    for channel, expected in [("C_RANDOM", "not_in_channel"), ("C_NOPE", "channel_not_found")]:
        with pytest.raises(SlackApiError) as error:
            await client.chat_postMessage(channel=channel, text="hi")
        assert error.value.response["error"] == expected
    assert fake.messages("C_RANDOM") == []


async def test_too_long_section_is_invalid_blocks(client: AsyncWebClient, fake: FakeSlack) -> None:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackApiError) as error:
        await client.chat_postMessage(channel="C_GENERAL", text="fallback", blocks=[block])
    body = error.value.response.data
    assert body["ok"] is False and body["error"] == "invalid_blocks"
    assert "3000" in body["errors"][0] and "[json-pointer:/blocks/0]" in body["errors"][0]
    assert fake.messages("C_GENERAL") == []


async def test_block_count_limit_is_fifty(client: AsyncWebClient, fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as error:
        await client.chat_postMessage(channel="C_GENERAL", text="t", blocks=[SECTION] * 51)
    assert error.value.response["error"] == "invalid_blocks"
    assert "no more than 50 items" in error.value.response["errors"][0]

    ok = await client.chat_postMessage(
        channel="C_GENERAL", text="t", blocks=[dict(SECTION) for _ in range(50)]
    )
    assert len(ok["message"]["blocks"]) == 50


async def test_unknown_block_type_and_duplicate_block_ids_are_rejected(
    client: AsyncWebClient,
) -> None:
    bad = [{"type": "no_such_block"}, {**SECTION, "block_id": "a"}, {**SECTION, "block_id": "a"}]
    with pytest.raises(SlackApiError) as error:
        await client.chat_postMessage(channel="C_GENERAL", text="t", blocks=bad)
    errors = error.value.response["errors"]
    assert any("/blocks/0/type" in e for e in errors)
    assert any("duplicate block_id" in e for e in errors)


async def test_blocks_without_text_warn_like_slack(client: AsyncWebClient) -> None:
    with pytest.warns(UserWarning):  # slack_sdk warns on the client side too
        posted = await client.chat_postMessage(channel="C_GENERAL", blocks=[SECTION])
    assert posted["warning"] == "missing_text_or_fallback_or_attachments"
    assert posted["message"]["blocks"][0]["block_id"]  # Slack fills in block ids


async def test_ephemeral_messages_are_kept_apart(client: AsyncWebClient, fake: FakeSlack) -> None:
    posted = await client.chat_postEphemeral(channel="C_GENERAL", user="U_BOB", text="only Bob")
    assert posted["message_ts"]
    assert fake.messages("C_GENERAL")[0]["ephemeral_to"] == "U_BOB"
    history = await client.conversations_history(channel="C_GENERAL")
    assert history["messages"] == []
    with pytest.raises(SlackApiError) as error:
        await client.chat_update(channel="C_GENERAL", ts=posted["message_ts"], text="edit")
    assert error.value.response["error"] == "message_not_found"


async def test_users_and_conversations(client: AsyncWebClient) -> None:
    alice = (await client.users_info(user="U_ALICE"))["user"]
    bob = (await client.users_info(user="U_BOB"))["user"]
    assert alice["profile"]["real_name"] == "Alice Example"
    assert alice["profile"]["email"] == "alice@example.com" and alice["is_admin"] is False
    assert bob["is_admin"] is True and bob["tz"]
    info = await client.conversations_info(channel="C_GENERAL")
    members = await client.conversations_members(channel="C_GENERAL")
    assert info["channel"]["name"] == "general" and info["channel"]["is_member"] is True
    assert {"U_ALICE", "U_BOB", "U_CAROL"} <= set(members["members"])
    with pytest.raises(SlackApiError) as error:
        await client.users_info(user="U_NOBODY")
    assert error.value.response["error"] == "user_not_found"


async def test_auth_is_checked(slack_url: str, fake: FakeSlack) -> None:
    async with httpx.AsyncClient(base_url=f"{slack_url}/api/") as http:
        missing = await http.post("chat.postMessage", data={"channel": "C_GENERAL", "text": "x"})
        wrong = await http.post("auth.test", headers={"Authorization": "Bearer xoxb-wrong"})
    assert missing.status_code == 200 and missing.json() == {"ok": False, "error": "not_authed"}
    assert wrong.json() == {"ok": False, "error": "invalid_auth"}
    assert fake.messages("C_GENERAL") == []
    assert BOT_TOKEN not in str([call.to_json() for call in fake.calls])


async def test_form_bodies_with_json_encoded_blocks(slack_url: str, fake: FakeSlack) -> None:
    form = {
        "channel": "C_GENERAL",
        "text": "t",
        "blocks": '[{"type": "divider"}]',
        "token": BOT_TOKEN,
    }
    async with httpx.AsyncClient() as http:
        answer = (await http.post(f"{slack_url}/api/chat.postMessage", data=form)).json()
    assert answer["ok"] is True
    assert fake.messages("C_GENERAL")[0]["blocks"][0]["type"] == "divider"
    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == [{"type": "divider"}]
    assert "token" not in fake.calls_to("chat.postMessage")[0].args


async def test_unknown_method(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        await client.api_call("reminders.add")
    assert error.value.response["error"] == "unknown_method"


async def test_all_posted_texts_covers_text_and_blocks(
    client: AsyncWebClient, fake: FakeSlack
) -> None:
    await client.chat_postMessage(channel="C_GENERAL", text="plain <b>", blocks=[SECTION])
    texts = fake.all_posted_texts()
    assert "plain <b>" in texts
    assert any('"hello"' in text for text in texts)
