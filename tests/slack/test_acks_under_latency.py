"""Slack's 3 s deadline: everything is acked before Bookable answers, even when it is slow.

Ordering, not speed (speed is bench's `ack` scenario): each Bookable call takes 5 s, and
each ack must be a real one (Bolt gives up waiting after 3 s and answers 404) that arrives
while the call it started still waits for Bookable, i.e. before anything that needs
Bookable's answer shows up in Slack.
"""

from __future__ import annotations

from typing import Any

from bot.devtools.stack import LocalStack
from bot.slack import ids

from .flow import fill, next_weekday, search, venue_buttons, wait_for_form, wait_for_result

SLOW_MS = 5000  # every Bookable call


def _results(stack: LocalStack) -> dict[str, Any] | None:
    return next(
        (m for m in stack.fake.messages("C_GENERAL")
         if m.get("ephemeral_to") == "U_ALICE" and "Dishoom" in m["text"]),
        None,
    )  # fmt: skip


async def test_commands_and_interactions_are_acked_before_bookable_answers(
    stack: LocalStack,
) -> None:
    on = next_weekday(2)
    driver = stack.driver
    await search(stack, "U_ALICE", "C_GENERAL", "search kiln")  # a token, before the slowness
    stack.sandbox_control("knobs", {"latency_ms": SLOW_MS})

    response = await driver.command("U_ALICE", "C_GENERAL", f"search dishoom covent date:{on}")
    assert driver.last_problem is None  # a real ack (Bolt answers 404 when none came)
    assert "Searching" in response.json()["text"]
    assert _results(stack) is None  # acked while the search waits for Bookable
    results = await stack.fake.wait_for(lambda: _results(stack), within=4 * SLOW_MS / 1000)

    [book, *_] = venue_buttons(results, "Dishoom Covent Garden")
    await driver.click("U_ALICE", results, book["action_id"], channel_id="C_GENERAL")
    assert driver.last_problem is None
    # the modal opens (loading) while availability is still on its way: the follow-up
    # opens it just after the ack
    loading = await stack.fake.wait_for(lambda: stack.fake.current_view("U_ALICE"), within=5)
    assert "Loading availability" in str(loading["blocks"])
    form = await wait_for_form(stack, "U_ALICE")

    await driver.type_value(form["id"], ids.PARTY.block_id, ids.PARTY.action_id, "3")
    assert driver.last_problem is None
    shown = stack.fake.current_view("U_ALICE")
    assert shown is not None and shown["hash"] == form["hash"]  # times for 3: not yet
    form = await wait_for_form(stack, "U_ALICE", other_than=form["hash"])

    await fill(stack, form)
    await driver.submit("U_ALICE", form["id"])
    assert driver.last_problem is None
    assert "Booking your table" in str(stack.fake.current_view("U_ALICE")["blocks"])
    assert stack.sandbox_state()["bookings"] == []  # acked while the create waits
    await wait_for_result(stack, "U_ALICE")
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["partySize"] == 3
