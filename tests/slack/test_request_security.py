"""Requests Slack did not sign (or signed too long ago) are refused before any work."""

from __future__ import annotations

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


def _alices(stack: LocalStack) -> tuple[int, int]:
    """What a forged request for Alice would change: her messages, her modals."""
    messages = [m for m in stack.fake.messages("C_GENERAL") if m.get("ephemeral_to") == "U_ALICE"]
    return len(messages), len(stack.fake.calls_to("views.open"))


async def _after_a_signed_sentinel(stack: LocalStack) -> tuple[int, int]:
    """Bob's signed search, answered in full: the app has handled a later request to the
    end, so work a refused request had wrongly started would show by now."""
    await search(stack, "U_BOB", "C_GENERAL", "search kiln")
    return _alices(stack)


@pytest.mark.parametrize(
    "how", ["bad signature", "stale timestamp", "future timestamp", "missing headers"]
)
async def test_unsigned_commands_are_refused_without_side_effects(
    stack: LocalStack, how: str
) -> None:
    before, alices_before = _activity(stack), _alices(stack)
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
    assert _activity(stack) == before  # refused before any work
    assert await _after_a_signed_sentinel(stack) == alices_before


async def test_an_unsigned_click_opens_no_modal(stack: LocalStack) -> None:
    results = await search(stack, "U_ALICE", "C_GENERAL",
                           f"search dishoom covent date:{next_weekday(2)}")  # fmt: skip
    button = next(
        e for b in results["blocks"] if b["type"] == "actions" for e in b["elements"]
    )  # fmt: skip
    before, alices_before = _activity(stack), _alices(stack)
    response = await stack.driver.click(
        "U_ALICE", results, button["action_id"], channel_id="C_GENERAL", signed=False
    )
    assert response.status_code == 401
    assert _activity(stack) == before  # refused before any work
    assert await _after_a_signed_sentinel(stack) == alices_before
    assert stack.fake.current_view("U_ALICE") is None
