"""Cancel from the confirmation message or from `/bookable bookings`, with permissions."""

from __future__ import annotations

import json
from typing import Any

from bot.devtools.stack import LocalStack
from bot.slack import ids

from .flow import WAIT, book_through_slack, buttons, next_weekday, section_text, settled

WEDNESDAY = 2


async def _booked(stack: LocalStack) -> dict[str, Any]:
    return await book_through_slack(
        stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{next_weekday(WEDNESDAY)}",
        "Dishoom Covent Garden",
    )  # fmt: skip


async def _click_cancel(stack: LocalStack, user: str, message: dict[str, Any]) -> None:
    [cancel] = buttons(message, ids.CANCEL_ACTION)
    assert cancel["confirm"]  # Slack asks before sending the click
    response = await stack.driver.click(user, message, cancel["action_id"], channel_id="C_GENERAL")
    assert response.status_code == 200


def _status(stack: LocalStack) -> str:
    [booking] = stack.sandbox_state()["bookings"]
    return str(booking["status"])


async def test_another_user_is_refused_and_an_admin_may_cancel(stack: LocalStack) -> None:
    message = await _booked(stack)
    await _click_cancel(stack, "U_CAROL", message)
    await stack.fake.wait_for(
        lambda: any(m.get("ephemeral_to") == "U_CAROL" and "Only <@U_ALICE>" in section_text(m)
                    for m in stack.fake.messages("C_GENERAL")),
        within=WAIT,
    )  # fmt: skip
    assert _status(stack) == "Confirmed"

    await _click_cancel(stack, "U_BOB", message)  # a workspace admin
    updated = await stack.fake.wait_for(
        lambda: (m := stack.fake.message("C_GENERAL", message["ts"]))
        and "Cancelled" in section_text(m) and m,
        within=WAIT,
    )  # fmt: skip
    assert buttons(updated, ids.CANCEL_ACTION) == []
    assert _status(stack) == "Cancelled"


async def test_configured_admins_may_cancel(stack_with: Any) -> None:
    stack: LocalStack = stack_with(slack_admin_user_ids="U_CAROL, U_SOMEONE")
    message = await _booked(stack)
    await _click_cancel(stack, "U_CAROL", message)
    await stack.fake.wait_for(lambda: _status(stack) == "Cancelled", within=WAIT)


async def test_my_bookings_lists_and_cancels_in_place(stack: LocalStack) -> None:
    message = await _booked(stack)
    await stack.driver.command("U_ALICE", "C_GENERAL", "bookings")
    listing = await stack.fake.wait_for(
        lambda: next((m for m in stack.fake.messages("C_GENERAL")
                      if m.get("ephemeral_to") == "U_ALICE" and m["text"].startswith("Your")),
                     None),
        within=WAIT,
    )  # fmt: skip
    assert "Dishoom Covent Garden" in section_text(listing)
    [cancel] = buttons(listing, ids.CANCEL_ACTION)
    await stack.driver.click("U_ALICE", listing, cancel["action_id"], channel_id="C_GENERAL")
    relisted = await stack.fake.wait_for(
        lambda: (m := stack.fake.message("C_GENERAL", listing["ts"]))
        and "Cancelled:" in section_text(m) and m,
        within=WAIT,
    )  # fmt: skip
    assert buttons(relisted, ids.CANCEL_ACTION) == []
    assert _status(stack) == "Cancelled"
    channel_message = stack.fake.message("C_GENERAL", message["ts"])
    assert channel_message is not None and buttons(channel_message, ids.CANCEL_ACTION) == []


async def test_a_cancel_from_slack_gets_one_reply_not_marked_late(stack: LocalStack) -> None:
    # The app records the cancel with Bookable's time, so Bookable's webhook for that same
    # cancel is the booking's current state, not an "earlier update, received late".
    message = await _booked(stack)
    await _click_cancel(stack, "U_ALICE", message)

    def replies() -> list[dict[str, Any]]:
        return stack.fake.thread("C_GENERAL", message["ts"])

    await stack.fake.wait_for(lambda: replies() or None, within=WAIT)  # the webhook arrived
    await settled(stack)
    [reply] = replies()
    shown = reply["text"] + json.dumps(reply.get("blocks") or [])
    assert "Cancelled" in shown
    assert "received late" not in shown.lower()
    parent = stack.fake.message("C_GENERAL", message["ts"])
    assert parent is not None and "Cancelled" in section_text(parent)
