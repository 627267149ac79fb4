"""Slack failing: 5xx, 429 and calls that time out.

Acks never wait on Slack's Web API, so Slack always gets them in time; what the app
posts afterwards arrives (once), or the person is told where to look.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bot.slack import ids

from .conftest import StackFactory
from .flows import (
    CHANNEL,
    USER,
    acked_in_time,
    book,
    confirmations,
    driver_of,
    fill_form,
    open_form,
    results_message,
    sandbox_bookings,
    search,
    submit,
    texts_to,
    view_text,
    wait_for_outcome,
    wait_for_text,
)
from .reliable_stack import ReliabilityStack

ON_ITS_WAY = "The confirmation is on its way"


def duplicated_posts(stack: ReliabilityStack, channel: str = CHANNEL) -> list[str]:
    """Texts posted twice in the channel or in one thread (nothing is ever posted twice)."""
    found: list[str] = []
    messages = [m for m in stack.fake.messages(channel) if not m.get("ephemeral_to")]
    counted = Counter(m["text"] for m in messages)
    found += [text for text, n in counted.items() if n > 1]
    for message in messages:
        replies = Counter(r["text"] for r in stack.fake.thread(channel, message["ts"]))
        found += [f"reply {text!r}" for text, n in replies.items() if n > 1]
    return found


async def test_one_slack_5xx_on_the_confirmation_posts_it_once(stack: ReliabilityStack) -> None:
    form = await open_form(stack, await search(stack))
    await fill_form(stack, form)
    stack.fake.inject("chat.postMessage", status=500, count=1)
    await submit(stack, form)
    outcome = await wait_for_outcome(stack, form["id"])
    assert "Booked" in view_text(outcome) and f"<#{CHANNEL}>" in view_text(outcome)
    stack.settle()
    assert len(confirmations(stack)) == 1 and len(sandbox_bookings(stack)) == 1
    assert duplicated_posts(stack) == []


async def test_slack_down_at_confirmation_posts_it_once_slack_is_back(
    stack: ReliabilityStack,
) -> None:
    """The confirmation goes through the outbox: Slack failing past any client retry only
    delays it."""
    form = await open_form(stack, await search(stack))
    await fill_form(stack, form)
    stack.fake.inject("chat.postMessage", status=503, count=1000)
    await submit(stack, form)
    outcome = await wait_for_outcome(stack, form["id"])
    assert "Booked" in view_text(outcome) and ON_ITS_WAY in view_text(outcome)
    await stack.fake.wait_for(
        lambda: len(stack.fake.calls_to("chat.postMessage")) >= 3, within=30
    )  # three failed attempts: well past what slack_sdk's own retries would do
    assert confirmations(stack) == []
    stack.fake.clear_faults()
    await wait_for_text(stack, "Booking at")
    after = len(texts_to(stack))
    response = await driver_of(stack).command(USER, CHANNEL, "bookings")
    acked_in_time(stack, response)
    listing = await wait_for_text(stack, "Your bookings", "no bookings", after=after)
    assert "Dishoom Covent Garden" in listing  # nothing lost
    stack.settle()
    assert len(sandbox_bookings(stack)) == 1
    assert len(confirmations(stack)) == 1
    assert duplicated_posts(stack) == []


async def test_slack_rate_limit_on_the_result_view_is_waited_out(
    stack: ReliabilityStack,
) -> None:
    form = await open_form(stack, await search(stack))
    await fill_form(stack, form)
    stack.fake.inject("views.update", status=429, retry_after=1, count=1)
    await submit(stack, form)
    outcome = await wait_for_outcome(stack, form["id"])
    assert outcome["callback_id"] == ids.RESULT_CALLBACK and "Booked" in view_text(outcome)
    stack.settle()
    assert len(confirmations(stack)) == 1 and len(sandbox_bookings(stack)) == 1


@pytest.mark.parametrize("status", [500, 429])
async def test_search_results_survive_one_response_url_failure(
    stack: ReliabilityStack, status: int
) -> None:
    stack.fake.inject("response_url", status=status, retry_after=1, count=1)
    after = len(stack.fake.messages(CHANNEL))
    response = await driver_of(stack).command(USER, CHANNEL, "search dishoom")
    acked_in_time(stack, response)
    # With one retry after Retry-After (1 s), the results would be here well within this.
    await stack.fake.wait_for(lambda: results_message(stack, after), within=4)


async def test_slack_too_slow_to_open_the_form_gets_a_message(stack: ReliabilityStack) -> None:
    """Slack answers views.open after the click's trigger id expired (3 s)."""
    results = await search(stack)
    stack.fake.inject("views.open", delay=3.5, count=1)
    button = next(b for b in results["blocks"] if b.get("type") == "actions")["elements"][-1]
    after = len(texts_to(stack))
    response = await driver_of(stack).click(
        USER, results, button["action_id"], value=button["value"]
    )
    acked_in_time(stack, response)
    await wait_for_text(stack, "again", after=after)
    assert stack.fake.current_view(USER) is None and sandbox_bookings(stack) == []


async def test_slack_timeout_on_a_status_update_posts_it_once(make_stack: StackFactory) -> None:
    """The notifier's post times out but Slack did post it: the retry finds it by its
    metadata instead of posting again."""
    stack = make_stack()
    outcome = await book(stack)
    assert "Booked" in view_text(outcome)
    stack.settle()
    [booking] = sandbox_bookings(stack)
    # Slack answers after the notifier gave up (5 s), then the post is there anyway.
    stack.fake.inject("chat.postMessage", delay=6.0, count=1)
    stack.sandbox_control(f"bookings/{booking['id']}/status", {"status": "cancelled"})
    stack.settle(within=40)
    [confirmation] = confirmations(stack)
    replies = [r["text"] for r in stack.fake.thread(CHANNEL, confirmation["ts"])]
    assert sum("Cancelled" in text for text in replies) == 1, replies
    assert duplicated_posts(stack) == []


pytestmark = pytest.mark.timeout(90)
