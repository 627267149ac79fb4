"""`/bookable` commands end to end: help, search paging, subscriptions, errors."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.devtools.fake_slack import BOT_USER_ID, Channel
from bot.devtools.stack import LocalStack
from bot.slack import ids
from bot.slack.blocks.common import human_date
from bot.slack.dates import parse_day
from bot.slack.ids import PageRef
from bot.slack.users import today_in

from .flow import WAIT, buttons, search, section_text


async def test_empty_and_unknown_text_get_help_in_the_ack(stack: LocalStack) -> None:
    for text, fragment in (("", "How to use"), ("dance", "don't know the command")):
        response = await stack.driver.command("U_ALICE", "C_GENERAL", text)
        answer = response.json()
        assert answer["response_type"] == "ephemeral"
        assert fragment in answer["text"]
        assert "search" in str(answer["blocks"])
    assert stack.sandbox_state()["tokens_issued"] <= 1  # help needs no Bookable call


async def test_problems_in_the_text_are_explained(stack: LocalStack) -> None:
    response = await stack.driver.command("U_ALICE", "C_GENERAL", "search dishoom party:99")
    assert "1 to 50" in response.json()["text"]


async def test_a_problem_gets_one_line_with_an_example_not_the_whole_help(
    stack: LocalStack,
) -> None:
    requests_before = stack.sandbox_state()["api_requests"]
    for text, fragment in (
        ("search cafe city:london", "Unknown filter “city:”"),
        ("search dishoom date:someday", "can't read the date"),
        ("subscribe status:eaten", "Unknown status"),
    ):
        answer = (await stack.driver.command("U_ALICE", "C_GENERAL", text)).json()
        assert fragment in answer["text"] and "For example: `/bookable " in answer["text"]
        shown = section_text(answer)
        assert "Booking updates in this channel" not in shown  # not the full help
        assert "/bookable help" in shown
    assert stack.sandbox_state()["api_requests"] == requests_before  # nothing was searched
    answer = (await stack.driver.command("U_ALICE", "C_GENERAL", "help")).json()
    assert "Booking updates in this channel" in section_text(answer)


async def test_dates_as_people_type_them(stack: LocalStack) -> None:
    today = today_in(None)
    for typed, words in (("31/12", "31/12"), ("12 Dec", "12 dec"), ("next fri", "next fri")):
        results = await search(stack, "U_ALICE", "C_GENERAL", f"search dishoom date:{typed}")
        assert human_date(parse_day(words, today)) in section_text(results), typed
    results = await search(stack, "U_ALICE", "C_GENERAL", "search dishoom date:tomorrow 7pm")
    assert human_date(today + timedelta(days=1)) in section_text(results)
    assert "Dishoom" in section_text(results)  # "7pm" is the time, not a search word


async def test_paging_updates_the_same_message(stack: LocalStack) -> None:
    first = await search(stack, "U_ALICE", "C_GENERAL", "search party:2")
    [next_button] = buttons(first, f"{ids.PAGE_ACTION}:next")
    assert PageRef.decode(next_button["value"]).page == 2
    names_before = section_text(first)
    await stack.driver.click("U_ALICE", first, next_button["action_id"], channel_id="C_GENERAL")
    second = await stack.fake.wait_for(
        lambda: (
            (m := stack.fake.message("C_GENERAL", first["ts"]))
            and "page 2" in section_text(m)
            and m
        ),
        within=WAIT,
    )
    assert section_text(second) != names_before
    assert buttons(second, f"{ids.PAGE_ACTION}:prev")


async def test_zero_results_and_hostile_text_are_safe(stack: LocalStack) -> None:
    results = await search(stack, "U_ALICE", "C_GENERAL", "search <!channel> zzz & co")
    text = section_text(results)
    assert "No venues found" in text and "&lt;!channel&gt;" in text
    assert all("<!channel>" not in posted for posted in stack.fake.all_posted_texts())


async def test_words_that_match_no_name_fall_back_to_descriptions(stack: LocalStack) -> None:
    results = await search(stack, "U_ALICE", "C_GENERAL", "search greenhouse")
    assert "The Botanist's Table" in section_text(results)
    assert "descriptions" in section_text(results)


async def test_subscriptions_by_members_only(stack: LocalStack) -> None:
    driver = stack.driver
    await driver.command("U_ALICE", "C_GENERAL", 'subscribe venue:"hawksmoor" status:confirmed')
    subscribed = await _reply(stack, "C_GENERAL", "U_ALICE", "now gets booking updates")
    assert "hawksmoor" in subscribed
    await driver.command("U_BOB", "C_GENERAL", "subscriptions")
    listed = await _reply(stack, "C_GENERAL", "U_BOB", "posted in this channel")
    assert "<@U_ALICE>" in listed
    await driver.command("U_ALICE", "C_GENERAL", "unsubscribe venue:HAWKSMOOR status:confirmed")
    await _reply(stack, "C_GENERAL", "U_ALICE", "Removed 1 subscription")

    stack.fake.add_channel(Channel("C_PRIVATE", "private", [BOT_USER_ID, "U_BOB"]))
    await driver.command("U_ALICE", "C_PRIVATE", "subscribe")
    await _reply(stack, "C_PRIVATE", "U_ALICE", "Only members of this channel")
    await driver.command("U_ALICE", "C_RANDOM", "subscribe")
    await _reply(stack, "C_RANDOM", "U_ALICE", "Invite me")


async def test_bookable_failures_read_as_plain_language(stack_with: object) -> None:
    stack: LocalStack = stack_with(bookable_max_retries=0)  # type: ignore[operator]
    stack.sandbox_control("knobs", {"fail_next": {"count": 5, "status": 503}})
    results = await search(stack, "U_ALICE", "C_GENERAL", "search dishoom")
    assert "isn't answering" in section_text(results)
    assert "Traceback" not in section_text(results)
    stack.sandbox_control("knobs", {"rate_limit_next": 5})
    results = await search(stack, "U_ALICE", "C_GENERAL", "search hawksmoor")
    assert "busy" in section_text(results)


async def test_an_unexpected_failure_gets_an_apology_with_a_reference(
    stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    stack.fake.inject("conversations.info", error="fatal_error")
    await stack.driver.command("U_ALICE", "C_GENERAL", "subscribe")
    text = await _reply(stack, "C_GENERAL", "U_ALICE", "Sorry, something went wrong")
    found = re.search(r"`([0-9a-f]{8})`", text)
    assert found is not None
    logged = [r for r in caplog.records if found.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the traceback goes to the log only
    assert "Traceback" not in text and "fatal_error" not in text


async def _reply(stack: LocalStack, channel: str, user: str, fragment: str) -> str:
    def found() -> str | None:
        for message in stack.fake.messages(channel):
            text = section_text(message)
            if message.get("ephemeral_to") == user and fragment in text:
                return text
        return None

    return await stack.fake.wait_for(found, within=WAIT)
