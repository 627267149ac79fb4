"""Slack's 3 s deadline: everything is acked at once even when Bookable takes 5 s."""

from __future__ import annotations

from bot.devtools.stack import LocalStack
from bot.slack import ids

from .flow import fill, next_weekday, search, venue_buttons, wait_for_form, wait_for_result

ACK_LIMIT = 1.0
SLOW = 20.0  # each Bookable call now takes 5 s


async def test_commands_and_interactions_ack_within_a_second_with_a_slow_bookable(
    stack: LocalStack,
) -> None:
    on = next_weekday(2)
    driver = stack.driver
    await search(stack, "U_ALICE", "C_GENERAL", "search kiln")  # a token, before the slowness
    stack.sandbox_control("knobs", {"latency_ms": 5000})

    response = await driver.command("U_ALICE", "C_GENERAL", f"search dishoom covent date:{on}")
    assert driver.last_ack_seconds is not None and driver.last_ack_seconds < ACK_LIMIT
    assert "Searching" in response.json()["text"]
    results = await stack.fake.wait_for(
        lambda: next((m for m in stack.fake.messages("C_GENERAL")
                      if m.get("ephemeral_to") == "U_ALICE" and "Dishoom" in m["text"]), None),
        within=SLOW,
    )  # fmt: skip

    [book, *_] = venue_buttons(results, "Dishoom Covent Garden")
    await driver.click("U_ALICE", results, book["action_id"], channel_id="C_GENERAL")
    assert driver.last_ack_seconds < ACK_LIMIT
    # the modal is already open (loading) while availability is still on its way
    loading = stack.fake.current_view("U_ALICE")
    assert loading is not None and "Loading availability" in str(loading["blocks"])
    form = await wait_for_form(stack, "U_ALICE")

    await driver.type_value(form["id"], ids.PARTY.block_id, ids.PARTY.action_id, "3")
    assert driver.last_ack_seconds < ACK_LIMIT
    form = await wait_for_form(stack, "U_ALICE", other_than=form["hash"])

    await fill(stack, form)
    await driver.submit("U_ALICE", form["id"])
    assert driver.last_ack_seconds < ACK_LIMIT
    assert driver.last_problem is None
    assert "Booking your table" in str(stack.fake.current_view("U_ALICE")["blocks"])
    await wait_for_result(stack, "U_ALICE")
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["partySize"] == 3
