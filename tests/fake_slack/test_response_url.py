"""response_url: ephemeral and in-channel follow-ups, replace/delete original, 5 uses, expiry."""

from __future__ import annotations

import httpx
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.fake_slack import FakeSlack

from .conftest import ManualClock


async def test_default_is_ephemeral_and_in_channel_is_public(fake: FakeSlack) -> None:
    url = fake.new_response_url("C_RANDOM", "U_ALICE")  # works where the bot is not a member
    async with httpx.AsyncClient() as http:
        first = await http.post(url, json={"text": "just for you"})
        second = await http.post(url, json={"text": "for everyone", "response_type": "in_channel"})
    assert first.status_code == second.status_code == 200
    messages = fake.messages("C_RANDOM")
    assert [(m["text"], m["ephemeral_to"]) for m in messages] == [
        ("just for you", "U_ALICE"),
        ("for everyone", None),
    ]


async def test_replace_and_delete_original(fake: FakeSlack, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C_GENERAL", text="Pick a time")
    url = fake.new_response_url("C_GENERAL", "U_ALICE", message_ts=posted["ts"])
    async with httpx.AsyncClient() as http:
        replaced = await http.post(url, json={"replace_original": True, "text": "Booked 19:00"})
        assert replaced.status_code == 200
        assert fake.message("C_GENERAL", posted["ts"])["text"] == "Booked 19:00"  # type: ignore[index]
        assert len(fake.messages("C_GENERAL")) == 1

        deleted = await http.post(url, json={"delete_original": True})
    assert deleted.status_code == 200
    assert fake.messages("C_GENERAL") == []


async def test_five_uses_then_used_url(fake: FakeSlack) -> None:
    url = fake.new_response_url("C_GENERAL", "U_BOB")
    async with httpx.AsyncClient() as http:
        statuses = [(await http.post(url, json={"text": f"#{n}"})).status_code for n in range(5)]
        sixth = await http.post(url, json={"text": "#6"})
    assert statuses == [200] * 5
    assert sixth.status_code == 404 and sixth.json()["error"] == "used_url"
    assert len(fake.messages("C_GENERAL")) == 5


async def test_expires_after_thirty_minutes(fake: FakeSlack, clock: ManualClock) -> None:
    url = fake.new_response_url("C_GENERAL", "U_BOB")
    clock.advance(30 * 60 + 1)
    async with httpx.AsyncClient() as http:
        late = await http.post(url, json={"text": "too late"})
    assert late.status_code == 404 and late.json()["error"] == "expired_url"


async def test_blocks_are_validated(fake: FakeSlack) -> None:
    url = fake.new_response_url("C_GENERAL", "U_BOB")
    too_long = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    async with httpx.AsyncClient() as http:
        rejected = await http.post(url, json={"text": "t", "blocks": [too_long]})
    assert rejected.status_code == 400 and rejected.json()["error"] == "invalid_blocks"
    assert fake.calls_to("response_url")[0].args["blocks"] == [too_long]
