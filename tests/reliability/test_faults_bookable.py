"""Bookable failing: 5xx, timeouts, 429 and its token endpoint down.

In every case Slack gets its ack in time, the person gets a clear message, nothing is
lost and no table is booked twice.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import LOCAL_SANDBOX_PREFIX
from bot.devtools.serving import free_port
from bot.slack import ids

from .conftest import StackFactory
from .flows import (
    CHANNEL,
    USER,
    acked_in_time,
    confirmations,
    driver_of,
    fill_form,
    knobs,
    open_form,
    sandbox_bookings,
    search,
    slot_values,
    submit,
    texts_to,
    view_text,
    wait_for_form,
    wait_for_outcome,
    wait_for_text,
)
from .reliable_stack import ReliabilityStack
from .slow_link import SlowLink

UNAVAILABLE = "Bookable isn't answering right now"
BUSY = "Bookable is busy right now"
SIGN_IN = "I can't sign in to Bookable"
SIGN_IN_DOWN = "Bookable's sign-in service isn't answering"
BOOKED = "Booked"
NO_ANSWER = "Bookable didn't answer in time"


async def command_answer(stack: ReliabilityStack, text: str, *needles: str) -> str:
    """Run `/bookable <text>`: acked in time, then a message mentioning one of `needles`."""
    after = len(texts_to(stack))
    response = await driver_of(stack).command(USER, CHANNEL, text)
    acked_in_time(stack, response)
    return await wait_for_text(stack, *needles, after=after)


async def test_one_bookable_5xx_during_search_is_retried(stack: ReliabilityStack) -> None:
    knobs(stack, fail_next={"count": 1, "status": 503})
    results = await search(stack)
    assert "Dishoom Covent Garden" in str(results["blocks"])


async def test_bookable_outage_during_search_gets_a_clear_message(stack: ReliabilityStack) -> None:
    knobs(stack, fail_next={"count": 50, "status": 500})
    answer = await command_answer(stack, "search dishoom", UNAVAILABLE, "Venues")
    assert UNAVAILABLE in answer
    knobs(stack, fail_next={"count": 0})
    await search(stack)  # and it works again once Bookable is back


async def test_bookable_timeout_during_search_gets_a_clear_message(
    make_stack: StackFactory,
) -> None:
    stack = make_stack(settings_overrides={"bookable_timeout": 0.3, "bookable_search_cache_ttl": 0})
    knobs(stack, latency_ms=1500)
    answer = await command_answer(stack, "search dishoom", UNAVAILABLE, "Venues")
    assert UNAVAILABLE in answer
    knobs(stack, latency_ms=0)
    await search(stack)


async def test_bookable_rate_limit_during_search_says_busy(make_stack: StackFactory) -> None:
    stack = make_stack(
        settings_overrides={"bookable_max_retry_wait": 0.2, "bookable_search_cache_ttl": 0}
    )
    knobs(stack, rate_limit_next=20)
    answer = await command_answer(stack, "search dishoom", BUSY, "Venues")
    assert BUSY in answer and "Try again" in answer
    knobs(stack, rate_limit_next=0)
    await search(stack)


async def test_token_endpoint_down_gets_a_clear_message_and_recovers(
    stack: ReliabilityStack,
) -> None:
    stack.sandbox_control("revoke-tokens")  # the app must fetch a new token…
    knobs(stack, token_failure=503)  # …and the token endpoint is down
    answer = await command_answer(
        stack, "search dishoom", SIGN_IN, SIGN_IN_DOWN, UNAVAILABLE, "Venues"
    )
    assert SIGN_IN_DOWN in answer  # an outage, not a credentials problem
    knobs(stack, token_failure=None)
    await search(stack)
    assert stack.sandbox_state()["tokens_issued"] >= 2


async def test_one_bookable_5xx_on_create_books_exactly_once(stack: ReliabilityStack) -> None:
    form = await open_form(stack, await search(stack))
    await fill_form(stack, form)
    knobs(stack, fail_next={"count": 1, "status": 503})
    await submit(stack, form)
    outcome = await wait_for_outcome(stack, form["id"])
    assert BOOKED in view_text(outcome)
    await wait_for_text(stack, "Booking at")
    assert len(sandbox_bookings(stack)) == 1
    assert len(confirmations(stack)) == 1


async def _refused_then_resubmitted(stack: ReliabilityStack, notice: str) -> None:
    """The form comes back with `notice`; a second submission books exactly once."""
    form = await wait_for_form(stack)
    outcome = await wait_for_outcome(stack, form["id"])
    assert outcome["callback_id"] == ids.BOOKING_CALLBACK, view_text(outcome)
    assert notice in view_text(outcome)
    assert sandbox_bookings(stack) == []
    await fill_form(stack, outcome)
    await submit(stack, outcome)
    final = await wait_for_outcome(stack, form["id"])
    assert BOOKED in view_text(final)
    await wait_for_text(stack, "Booking at")
    stack.settle()
    assert len(sandbox_bookings(stack)) == 1
    assert len(confirmations(stack)) == 1


async def test_bookable_500_on_create_keeps_the_key_and_never_books_twice(
    stack: ReliabilityStack,
) -> None:
    """A 500 may hide a booking (Bookable may have booked before failing): the form is not
    offered again, the person is told the result will follow."""
    form = await open_form(stack, await search(stack))
    await fill_form(stack, form)
    knobs(stack, fail_next={"count": 4, "status": 500})  # every attempt of this submission
    await submit(stack, form)
    outcome = await wait_for_outcome(stack, form["id"])
    assert NO_ANSWER in view_text(outcome), view_text(outcome)
    assert slot_values(outcome) == []  # nothing to submit again
    stack.settle()
    assert sandbox_bookings(stack) == []


async def test_bookable_rate_limit_on_create_keeps_the_form_and_books_once(
    make_stack: StackFactory,
) -> None:
    stack = make_stack(settings_overrides={"bookable_max_retry_wait": 0.2})
    form = await open_form(stack, await search(stack))
    await fill_form(stack, form)
    # Bookable's window resets minutes from now (well past the 0.2 s we may wait).
    stack.sandbox_control("clock", {"advance": 120})
    knobs(stack, rate_limit_next=1)
    await submit(stack, form)
    await _refused_then_resubmitted(stack, BUSY)


@pytest.fixture
def slow_link(make_stack: StackFactory) -> Iterator[tuple[ReliabilityStack, SlowLink]]:
    """A stack that reaches Bookable through a `SlowLink` and gives up after 0.5 s."""
    port = free_port()
    link = SlowLink(f"http://127.0.0.1:{port}").start()
    api = link.url + LOCAL_SANDBOX_PREFIX
    overrides = {
        "bookable_api_url": api,
        "bookable_auth_url": api + "/oauth/token",
        "bookable_timeout": 0.5,
    }
    try:
        yield make_stack(app_port=port, settings_overrides=overrides), link
    finally:
        link.stop()


async def test_bookable_timeout_on_create_never_books_twice(
    slow_link: tuple[ReliabilityStack, SlowLink],
) -> None:
    """Bookable made the booking but its answer came too late: whatever the person does
    next, one table is booked, and it is not lost."""
    stack, link = slow_link
    form = await open_form(stack, await search(stack))
    await fill_form(stack, form)
    link.hold("POST", "/booking", 1.5)
    await submit(stack, form)
    outcome = await wait_for_outcome(stack, form["id"])
    link.release()
    stack.settle()
    assert len(sandbox_bookings(stack)) == 1  # Bookable did book it
    if outcome["callback_id"] == ids.BOOKING_CALLBACK and slot_values(outcome):
        # The form came back: the person tries again, as anyone would.
        await fill_form(stack, outcome)
        await submit(stack, outcome)
        await wait_for_outcome(stack, form["id"])
        stack.settle()
    assert len(sandbox_bookings(stack)) == 1
    listing = await command_answer(stack, "bookings", "Your bookings", "no bookings")
    assert "Dishoom Covent Garden" in listing  # not lost either
    # Told plainly, whichever came first: the webhook (booked) or the timeout.
    assert BOOKED in view_text(outcome) or NO_ANSWER in view_text(outcome), view_text(outcome)
    assert len(confirmations(stack)) == 1  # the confirmation is posted, once


async def test_bookable_timeout_on_create_then_late_webhook_confirms_once(
    slow_link: tuple[ReliabilityStack, SlowLink],
) -> None:
    """The other order: the timeout is shown first (no retry offered), and the booking's
    webhook, delivered later, brings the confirmation and the record."""
    stack, link = slow_link
    registration = stack.sandbox.webhook if stack.sandbox else None
    assert registration is not None
    callback_url = registration.callback_url
    registration.callback_url = f"http://127.0.0.1:{free_port()}/nobody"  # Bookable retries
    form = await open_form(stack, await search(stack))
    await fill_form(stack, form)
    link.hold("POST", "/booking", 1.5)
    await submit(stack, form)
    outcome = await wait_for_outcome(stack, form["id"])
    link.release()
    assert NO_ANSWER in view_text(outcome), view_text(outcome)
    assert "<#C_GENERAL>" in view_text(outcome)  # where the confirmation will be
    assert slot_values(outcome) == []  # nothing to submit again
    assert confirmations(stack) == []
    registration.callback_url = callback_url
    await wait_for_text(stack, "Booking at")
    stack.settle()
    assert len(sandbox_bookings(stack)) == 1
    assert len(confirmations(stack)) == 1
    listing = await command_answer(stack, "bookings", "Your bookings", "no bookings")
    assert "Dishoom Covent Garden" in listing
