"""What tests and the playground read: HTTP inspection, Server-Sent Events, listeners."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.fake_slack import FakeSlack


async def next_event(lines: Any) -> dict[str, Any]:
    async for line in lines:
        if line.startswith("data: "):
            return json.loads(line.removeprefix("data: "))
    raise AssertionError("stream ended without an event")


async def test_sse_delivers_state_changes(
    fake: FakeSlack, client: AsyncWebClient, slack_url: str
) -> None:
    async with (
        httpx.AsyncClient(timeout=5) as http,
        http.stream("GET", f"{slack_url}/_fake/events") as stream,
    ):
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        await asyncio.sleep(0.05)  # let the subscription register before the change
        posted = await client.chat_postMessage(channel="C_GENERAL", text="live")
        event = await asyncio.wait_for(next_event(lines), 5)
    assert event["type"] == "message.posted"
    assert event["message"]["ts"] == posted["ts"] and event["message"]["channel"] == "C_GENERAL"


async def test_sse_replays_missed_events_after_last_event_id(
    fake: FakeSlack, client: AsyncWebClient, slack_url: str
) -> None:
    seen: list[dict[str, Any]] = []
    fake.add_listener(seen.append)
    try:
        await client.chat_postMessage(channel="C_GENERAL", text="one")
        await client.chat_postMessage(channel="C_GENERAL", text="two")
    finally:
        fake.remove_listener(seen.append)
    first_seq = seen[0]["seq"]
    headers = {"Last-Event-ID": str(first_seq)}
    async with (
        httpx.AsyncClient(timeout=5) as http,
        http.stream("GET", f"{slack_url}/_fake/events", headers=headers) as stream,
    ):
        event = await asyncio.wait_for(next_event(stream.aiter_lines()), 5)
    assert event["seq"] == first_seq + 1 and event["message"]["text"] == "two"


async def test_http_state_calls_and_messages(
    fake: FakeSlack, client: AsyncWebClient, slack_url: str
) -> None:
    parent = await client.chat_postMessage(channel="C_GENERAL", text="parent")
    await client.chat_postMessage(channel="C_GENERAL", text="child", thread_ts=parent["ts"])
    async with httpx.AsyncClient(base_url=slack_url) as http:
        state = (await http.get("/_fake/state")).json()
        calls = (await http.get("/_fake/calls", params={"method": "chat.postMessage"})).json()
        messages = (await http.get("/_fake/messages", params={"channel": "C_GENERAL"})).json()
        reset = await http.post("/_fake/reset")
    general = next(c for c in state["channels"] if c["id"] == "C_GENERAL")
    assert [m["text"] for m in general["messages"]] == ["parent"]
    assert [r["text"] for r in general["messages"][0]["replies"]] == ["child"]
    assert [c["args"]["text"] for c in calls] == ["parent", "child"]
    assert messages[0]["replies"][0]["text"] == "child"
    assert reset.status_code == 200 and fake.messages("C_GENERAL") == [] and fake.calls == []


async def test_wait_for_returns_when_the_state_changes(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    async def post_later() -> None:
        await asyncio.sleep(0.1)
        await client.chat_postMessage(channel="C_GENERAL", text="later")

    task = asyncio.create_task(post_later())
    messages = await fake.wait_for(lambda: fake.messages("C_GENERAL"), within=5)
    await task
    assert messages[0]["text"] == "later"
