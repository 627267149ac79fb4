"""Slack's retries (`X-Slack-Retry-Num`) are answered 200 at once and never run twice."""

from __future__ import annotations

from typing import Any

from bot.devtools.stack import LocalStack
from bot.web.slack_retries import SlackRetries

from .flow import WAIT, search


def _results(stack: LocalStack, word: str) -> list[dict[str, Any]]:
    return [
        m for m in stack.fake.messages("C_GENERAL")
        if m.get("ephemeral_to") == "U_ALICE" and word in m["text"]
        and not m["text"].startswith("Searching")
    ]  # fmt: skip


async def test_a_retried_command_is_acked_and_runs_once(stack: LocalStack) -> None:
    driver = stack.driver
    assert driver is not None
    await search(stack, "U_ALICE", "C_GENERAL", "search kiln")

    retried = await driver.redeliver(retry_num=1)

    assert retried.status_code == 200 and retried.content == b""  # acked, nothing shown
    # A later search is answered: had the retry run, its answer would have come first.
    await search(stack, "U_ALICE", "C_GENERAL", "search dishoom")
    assert len(_results(stack, "Kiln")) == 1


async def test_an_event_delivered_twice_runs_once(stack: LocalStack) -> None:
    driver = stack.driver
    assert driver is not None
    first = await driver.event({"type": "app_home_opened", "user": "U_ALICE", "tab": "home"})
    retried = await driver.redeliver(retry_num=1)

    assert first.status_code == 200  # the Home tab listener took it
    assert retried.status_code == 200 and retried.content == b""
    # A later event is handled: had the retry run, Alice's tab would have been published
    # twice, its job queued before Bob's.
    await driver.event({"type": "app_home_opened", "user": "U_BOB", "tab": "home"})
    await stack.fake.wait_for(lambda: stack.fake.home_view("U_BOB"), within=WAIT)
    published = [c.args["user_id"] for c in stack.fake.calls_to("views.publish")]
    assert sorted(published) == ["U_ALICE", "U_BOB"]


def test_retry_of_an_unseen_event_runs_and_its_repeats_do_not() -> None:
    retries = SlackRetries()
    body = b'{"type":"event_callback","event_id":"Ev1"}'
    retry = {"content-type": "application/json", "x-slack-retry-num": "1"}

    assert retries.is_repeat(body, retry) is False  # the first delivery was lost
    assert retries.is_repeat(body, retry) is True
    assert retries.is_repeat(body, {"content-type": "application/json"}) is True
    other = b'{"type":"event_callback","event_id":"Ev2"}'
    assert retries.is_repeat(other, {"content-type": "application/json"}) is False


def test_commands_are_repeats_only_when_slack_says_retry() -> None:
    retries = SlackRetries()
    form = {"content-type": "application/x-www-form-urlencoded"}
    body = b"command=%2Fbookable&text=help"

    assert retries.is_repeat(body, form) is False
    assert retries.is_repeat(body, form) is False  # a person may well run it twice
    assert retries.is_repeat(body, {**form, "x-slack-retry-num": "2"}) is True
