"""Change a booking from its confirmation message: the prefilled modal, live times, one
PATCH per modal, the message updated in place with one thread note, refusals, and a
venue's own change arriving by webhook. Signed HTTP, the sandbox and the fake Slack."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx

from bot.devtools.stack import LocalStack
from bot.slack import ids
from bot.slack.blocks.modal import notice_block_id
from bot.slack.ids import ModalMeta, SlotChoice
from bot.store import Store

from .flow import (
    WAIT,
    block,
    book_directly,
    book_through_slack,
    buttons,
    next_weekday,
    sandbox_token,
    section_text,
    settled,
    slot_options,
    wait_for_result,
)

WEDNESDAY = 2


async def _booked(stack: LocalStack, **choices: Any) -> dict[str, Any]:
    on = next_weekday(WEDNESDAY)
    return await book_through_slack(
        stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{on}",
        "Dishoom Covent Garden", **choices,
    )  # fmt: skip


def _booking(stack: LocalStack) -> dict[str, Any]:
    [booking] = stack.sandbox_state()["bookings"]
    return booking


def _patches(stack: LocalStack) -> int:
    return sum(1 for r in stack.sandbox_state()["received"] if r["method"] == "PATCH")


async def _click_change(stack: LocalStack, user: str, message: dict[str, Any]) -> None:
    [change] = buttons(message, ids.CHANGE_ACTION)
    response = await stack.driver.click(
        user, message, change["action_id"], value=change["value"], channel_id="C_GENERAL"
    )
    assert response.status_code == 200


async def _change_form(stack: LocalStack, user: str, *, party: int | None = None) -> dict:
    """The Change modal once it shows its inputs (for `party` guests, if given)."""

    def ready() -> dict[str, Any] | None:
        view = stack.fake.current_view(user)
        if view is None or view["callback_id"] != ids.CHANGE_CALLBACK:
            return None
        slot = block(view, ids.SLOT.block_id)
        if slot is None or (party is not None and f"for {party}" not in slot["label"]["text"]):
            return None
        return view

    return await stack.fake.wait_for(ready, within=WAIT)


def _time_of(option: dict[str, Any]) -> str:
    return SlotChoice.decode(option["value"]).time


async def _choose_other_time(stack: LocalStack, form: dict[str, Any], current: str) -> str:
    other = next(o for o in slot_options(form) if _time_of(o) != current)
    await stack.driver.choose_option(
        form["id"], ids.SLOT.block_id, ids.SLOT.action_id, other["value"]
    )
    return _time_of(other)


def _message(stack: LocalStack, message: dict[str, Any]) -> dict[str, Any]:
    found = stack.fake.message("C_GENERAL", message["ts"])
    assert found is not None
    return found


async def test_a_change_patches_once_updates_the_message_and_notes_it_in_the_thread(
    stack: LocalStack,
) -> None:
    message = await _booked(stack, notes="window seat")
    before = _booking(stack)
    await _click_change(stack, "U_ALICE", message)
    form = await _change_form(stack, "U_ALICE")
    # prefilled with the booking as Bookable has it
    assert block(form, ids.DATE.block_id)["element"]["initial_date"] == before["date"]
    assert block(form, ids.PARTY.block_id)["element"]["initial_value"] == "2"
    slot = block(form, ids.SLOT.block_id)["element"]
    assert _time_of(slot["initial_option"]) == before["time"][:5]
    assert block(form, ids.NOTES.block_id)["element"]["initial_value"] == "window seat"
    meta = ModalMeta.decode(form["private_metadata"])
    assert meta.booking_id == before["id"]

    # a new party size reloads the times for that party from live availability
    await stack.driver.type_value(form["id"], ids.PARTY.block_id, ids.PARTY.action_id, "4")
    form = await _change_form(stack, "U_ALICE", party=4)
    assert {SlotChoice.decode(o["value"]).party for o in slot_options(form)} == {4}
    new_time = await _choose_other_time(stack, form, before["time"][:5])
    await stack.driver.submit("U_ALICE", form["id"])
    assert stack.driver.last_problem is None and not stack.driver.last_errors

    result = await wait_for_result(stack, "U_ALICE")
    assert "Booking changed" in section_text(result)
    updated = await stack.fake.wait_for(
        lambda: new_time in section_text(m := _message(stack, message)) and m, within=WAIT
    )
    assert "party of 4" in section_text(updated)
    assert buttons(updated, ids.CHANGE_ACTION) and buttons(updated, ids.CANCEL_ACTION)
    after = _booking(stack)
    assert (after["time"][:5], after["partySize"], after["notes"]) == (new_time, 4, "window seat")

    await settled(stack)  # Bookable's own webhook for the change is processed too
    [note] = stack.fake.thread("C_GENERAL", message["ts"])
    text = section_text(note)
    assert text.startswith(":memo: Changed by <@U_ALICE>:")
    assert f"{before['time'][:5]} → {new_time}" in text and "party 2 → 4" in text
    assert _patches(stack) == 1
    updates = [c for c in stack.fake.calls_to("chat.update") if c.args["ts"] == message["ts"]]
    assert updates, "the confirmation is edited in place, not posted again"
    tops = [m for m in stack.fake.messages("C_GENERAL") if m["text"].startswith("Booking at")]
    assert len(tops) == 1


async def test_a_slot_gone_meanwhile_is_shown_under_the_time_and_nothing_changes(
    stack: LocalStack,
) -> None:
    message = await _booked(stack)
    before = _booking(stack)
    shown = section_text(_message(stack, message))
    await _click_change(stack, "U_ALICE", message)
    form = await _change_form(stack, "U_ALICE")
    wanted = await _choose_other_time(stack, form, before["time"][:5])
    on = date.fromisoformat(before["date"])
    while book_directly(stack, before["compositeId"], on, wanted, 2).status_code == 201:
        pass  # another partner takes every table at that time
    await stack.driver.submit("U_ALICE", form["id"])

    again = await stack.fake.wait_for(
        lambda: (v := stack.fake.current_view("U_ALICE"))
        and block(v, notice_block_id(ids.SLOT.block_id)) and v,
        within=WAIT,
    )  # fmt: skip
    notice = section_text({"blocks": [block(again, notice_block_id(ids.SLOT.block_id))]})
    assert "taken" in notice
    assert again["callback_id"] == ids.CHANGE_CALLBACK  # the form stays, to pick again
    assert wanted not in [_time_of(o) for o in slot_options(again)]
    await settled(stack)
    assert _patches(stack) == 1
    after = next(b for b in stack.sandbox_state()["bookings"] if b["id"] == before["id"])
    assert (after["time"], after["partySize"]) == (before["time"], before["partySize"])
    assert section_text(_message(stack, message)) == shown
    assert stack.fake.thread("C_GENERAL", message["ts"]) == []
    store = await Store.connect(stack.database_url)
    try:
        record = await store.get_booking(before["id"])
    finally:
        await store.close()
    assert record is not None and record.time == before["time"][:5] and record.party_size == 2


async def test_a_party_too_large_for_the_venue_is_a_field_error_and_sends_nothing(
    stack: LocalStack,
) -> None:
    message = await _booked(stack)
    await _click_change(stack, "U_ALICE", message)
    form = await _change_form(stack, "U_ALICE")
    await stack.driver.type_value(form["id"], ids.PARTY.block_id, ids.PARTY.action_id, "45")
    form = await stack.fake.wait_for(
        lambda: (v := stack.fake.current_view("U_ALICE"))
        and block(v, ids.SLOT.block_id) is None and v,
        within=WAIT,
    )  # fmt: skip
    assert "call the venue" in section_text(form)  # Bookable's noAvailabilityReason
    await stack.driver.submit("U_ALICE", form["id"])
    assert ids.DATE.block_id in (stack.driver.last_errors or {})
    assert _patches(stack) == 0 and _booking(stack)["partySize"] == 2


async def test_only_the_booker_or_an_admin_may_change(stack: LocalStack) -> None:
    message = await _booked(stack)
    await _click_change(stack, "U_CAROL", message)
    refused = await stack.fake.wait_for(
        lambda: (v := stack.fake.current_view("U_CAROL"))
        and "Only <@U_ALICE>" in section_text(v) and v,
        within=WAIT,
    )  # fmt: skip
    assert block(refused, ids.DATE.block_id) is None and not refused.get("submit")
    await _click_change(stack, "U_BOB", message)  # a workspace admin
    form = await _change_form(stack, "U_BOB")
    assert block(form, ids.SLOT.block_id) is not None
    assert _patches(stack) == 0


async def test_forged_buttons_and_submissions_change_nothing(stack: LocalStack) -> None:
    message = await _booked(stack)
    [change] = buttons(message, ids.CHANGE_ACTION)
    await stack.driver.click(
        "U_ALICE", message, change["action_id"], value="29|CO|not-ours", channel_id="C_GENERAL"
    )
    await stack.fake.wait_for(
        lambda: any("don't know this booking" in section_text(m)
                    for m in stack.fake.messages("C_GENERAL") if m.get("ephemeral_to")),
        within=WAIT,
    )  # fmt: skip
    # Alice's form, submitted as Carol (a request Slack would never send): refused at submit
    await _click_change(stack, "U_ALICE", message)
    form = await _change_form(stack, "U_ALICE")
    await _choose_other_time(stack, form, _booking(stack)["time"][:5])
    response = await stack.driver.submit("U_CAROL", form["id"])
    assert response.status_code == 200
    await stack.fake.wait_for(
        lambda: "Only <@U_ALICE>" in section_text(stack.fake.view(form["id"])), within=WAIT
    )
    assert _patches(stack) == 0


async def test_a_double_submit_and_a_slack_retry_make_one_patch(stack: LocalStack) -> None:
    message = await _booked(stack)
    before = _booking(stack)
    await _click_change(stack, "U_ALICE", message)
    form = await _change_form(stack, "U_ALICE")
    new_time = await _choose_other_time(stack, form, before["time"][:5])
    first, second = await asyncio.gather(
        stack.driver.submit("U_ALICE", form["id"]), stack.driver.submit("U_ALICE", form["id"])
    )
    assert first.status_code == second.status_code == 200
    retried = await stack.driver.redeliver()  # Slack's retry of the same submission
    assert retried.status_code == 200
    await wait_for_result(stack, "U_ALICE")
    await stack.fake.wait_for(
        lambda: new_time in section_text(_message(stack, message)), within=WAIT
    )
    await settled(stack)
    assert _patches(stack) == 1
    [note] = stack.fake.thread("C_GENERAL", message["ts"])
    assert "Changed by <@U_ALICE>" in section_text(note)


async def test_a_venues_change_by_webhook_updates_the_same_message(stack: LocalStack) -> None:
    """The strict sandbox (documented webhook fields only, every event `booking.updated`)."""
    message = await _booked(stack)
    before = _booking(stack)
    token = sandbox_token(stack)
    async with httpx.AsyncClient(
        base_url=stack.sandbox_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as bookable:
        availability = await bookable.get(
            f"/venues/{quote(before['compositeId'], safe='')}/availability",
            params={"date": before["date"], "partySize": 3},
        )
        other = next(
            t["time"] for t in availability.json()["times"]
            if t["time"] != before["time"][:5] and t["type"] == "book"
        )  # fmt: skip
        patched = await bookable.patch(
            f"/venues/bookings/{quote(before['id'], safe='')}",
            json=[{"op": "replace", "path": "/time", "value": other},
                  {"op": "replace", "path": "/partySize", "value": 3}],
        )  # fmt: skip
    assert patched.status_code == 200, patched.text

    updated = await stack.fake.wait_for(
        lambda: other in section_text(m := _message(stack, message)) and m, within=WAIT
    )
    assert "party of 3" in section_text(updated)
    await settled(stack)
    [reply] = stack.fake.thread("C_GENERAL", message["ts"])  # one reply, saying what moved
    text = section_text(reply)
    assert "Status: *Confirmed*" in text
    assert f":memo: Changed by the venue: {before['time'][:5]} → {other}, party 2 → 3" in text
