"""Requests Slack did not sign (or signed too long ago) are refused before any work."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bot.devtools.stack import LocalStack

from .flow import next_weekday, search


def _activity(stack: LocalStack) -> tuple[int, int, int]:
    state = stack.sandbox_state()
    posts = len(stack.fake.calls_to("chat.postMessage")) + len(stack.fake.calls_to("views.open"))
    messages = len(stack.fake.messages("C_GENERAL"))
    return state["api_requests"] + state["tokens_issued"], posts, messages


@pytest.mark.parametrize(
    "how", ["bad signature", "stale timestamp", "future timestamp", "missing headers"]
)
async def test_unsigned_commands_are_refused_without_side_effects(
    stack: LocalStack, how: str
) -> None:
    before = _activity(stack)
    driver = stack.driver
    if how == "bad signature":
        response = await driver.command("U_ALICE", "C_GENERAL", "search dishoom", signed=False)
    elif how == "stale timestamp":
        stale = int(time.time()) - 301
        response = await driver.command("U_ALICE", "C_GENERAL", "search dishoom", timestamp=stale)
    elif how == "future timestamp":
        ahead = int(time.time()) + 400
        response = await driver.command("U_ALICE", "C_GENERAL", "search dishoom", timestamp=ahead)
    else:
        async with httpx.AsyncClient() as client:
            response = await client.post(
                driver.url,
                content=b"command=%2Fbookable&text=search+dishoom&user_id=U_ALICE",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
    assert response.status_code == 401
    await asyncio.sleep(0.3)  # anything the app wrongly started would show up by now
    assert _activity(stack) == before


async def test_an_unsigned_click_opens_no_modal(stack: LocalStack) -> None:
    results = await search(stack, "U_ALICE", "C_GENERAL",
                           f"search dishoom covent date:{next_weekday(2)}")  # fmt: skip
    button = next(
        e for b in results["blocks"] if b["type"] == "actions" for e in b["elements"]
    )  # fmt: skip
    before = _activity(stack)
    response = await stack.driver.click(
        "U_ALICE", results, button["action_id"], channel_id="C_GENERAL", signed=False
    )
    assert response.status_code == 401
    await asyncio.sleep(0.3)
    assert _activity(stack) == before
