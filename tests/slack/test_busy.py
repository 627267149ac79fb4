"""Polite overload: with the follow-up queue full, people are told "busy" in the ack (or
through response_url right after), and a refused booking leaves the form open, unbooked.

One worker and a queue of one; Bookable takes 5 s per call, so the searches sent to fill
the queue are still waiting while the refused interactions arrive.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY

from bot.devtools.stack import LocalStack
from bot.slack import ids
from bot.slack.followups import BUSY_TEXT

from .flow import WAIT, fill, next_weekday, open_form, search, venue_buttons, wait_for_result

SLOW_MS = 5000


async def _fill_queue(stack: LocalStack) -> int:
    """Send searches until one is refused as busy; return how many were taken."""
    assert stack.driver is not None
    for taken in range(4):
        response = await stack.driver.command("U_ALICE", "C_GENERAL", "search kiln")
        assert response.status_code == 200 and stack.driver.last_problem is None
        if response.json()["text"] == BUSY_TEXT:
            return taken
        assert "Searching" in response.json()["text"]
    raise AssertionError("a queue of one with one worker never filled")


def _shed() -> float:
    return REGISTRY.get_sample_value("bookable_followups_shed_total") or 0.0


def _kiln_results(stack: LocalStack) -> list[dict[str, Any]]:
    return [
        m for m in stack.fake.messages("C_GENERAL")
        if m.get("ephemeral_to") == "U_ALICE" and "Kiln" in m["text"]
        and not m["text"].startswith("Searching")
    ]  # fmt: skip


async def test_full_queue_answers_busy_and_books_nothing(stack_with: Any) -> None:
    stack: LocalStack = stack_with(followup_workers=1, followup_queue_size=1)
    driver = stack.driver
    assert driver is not None
    # A future day: today's first product (breakfast) has no times left after the morning.
    on = next_weekday(2)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{on}")
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Dishoom Covent Garden")
    await fill(stack, form)
    before = len(_kiln_results(stack))
    shed_before = _shed()
    stack.sandbox_control("knobs", {"latency_ms": SLOW_MS})

    taken = await _fill_queue(stack)

    # A booking is refused before its ack: the form stays, with the reason under a field.
    await driver.submit("U_ALICE", form["id"])
    assert driver.last_problem is None
    assert BUSY_TEXT in driver.last_errors.values()
    assert stack.fake.current_view("U_ALICE")["callback_id"] == ids.BOOKING_CALLBACK
    # A button is acked, then told through its response_url.
    [book, *_] = venue_buttons(results, "Dishoom Covent Garden")
    await driver.click("U_ALICE", results, book["action_id"], channel_id="C_GENERAL")
    assert driver.last_problem is None
    await stack.fake.wait_for(
        lambda: any(
            m.get("ephemeral_to") == "U_ALICE" and m["text"] == BUSY_TEXT
            for m in stack.fake.messages("C_GENERAL")
        ),
        within=WAIT,
    )
    assert _shed() - shed_before == 3  # the search, the booking and the click

    # Every search taken is answered; only then is the refused booking sent again.
    stack.sandbox_control("knobs", {"latency_ms": 0})
    await stack.fake.wait_for(lambda: len(_kiln_results(stack)) >= before + taken, within=WAIT)
    assert stack.sandbox_state()["bookings"] == []
    await driver.submit("U_ALICE", form["id"])
    assert driver.last_problem is None and not driver.last_errors
    await wait_for_result(stack, "U_ALICE")
    assert len(stack.sandbox_state()["bookings"]) == 1
