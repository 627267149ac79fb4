"""Book from anywhere over signed HTTP: the Book a table shortcut (and the Home tab's Find
a table button) open the search modal, results show inside it, a result pushes the booking
modal, and the confirmation goes to the booker's DM; the message shortcut books into its
conversation."""

from __future__ import annotations

from typing import Any

from bot.devtools.fake_slack import SlackDriver
from bot.devtools.stack import LocalStack
from bot.slack import ids

from .flow import WAIT, buttons, fill, next_weekday, section_text, wait_for_form, wait_for_result

WEDNESDAY = 2


def _driver(stack: LocalStack) -> SlackDriver:
    assert stack.driver is not None
    return stack.driver


async def _search_modal(stack: LocalStack, user: str) -> dict[str, Any]:
    def opened() -> dict[str, Any] | None:
        view = stack.fake.current_view(user)
        return view if view and view["callback_id"] == ids.SEARCH_CALLBACK else None

    return await stack.fake.wait_for(opened, within=WAIT)


async def _results(stack: LocalStack, user: str, words: str) -> dict[str, Any]:
    """The Book a table shortcut, `words` searched in its modal; the modal once it shows
    the results (with their Book buttons)."""
    driver = _driver(stack)
    await driver.shortcut(user, ids.BOOK_SHORTCUT)
    modal = await _search_modal(stack, user)
    await driver.type_value(
        modal["id"], ids.SEARCH_WORDS.block_id, ids.SEARCH_WORDS.action_id, words
    )
    await driver.submit(user, modal["id"])
    return await stack.fake.wait_for(
        lambda: (v := stack.fake.view(modal["id"])) and buttons(v, ids.PICK_ACTION) and v,
        within=WAIT,
    )  # fmt: skip


async def _search_and_pick(stack: LocalStack, user: str, words: str) -> dict[str, Any]:
    """Fill the search modal, submit it, wait for the results, click the first Book of
    Dishoom Covent Garden; return the pushed booking form."""
    driver = _driver(stack)
    modal = await _search_modal(stack, user)
    on = next_weekday(WEDNESDAY)
    await driver.type_value(
        modal["id"], ids.SEARCH_WORDS.block_id, ids.SEARCH_WORDS.action_id, words
    )
    await driver.select_date(
        modal["id"], ids.SEARCH_DATE.block_id, ids.SEARCH_DATE.action_id, on.isoformat()
    )
    await driver.type_value(modal["id"], ids.SEARCH_PARTY.block_id, ids.SEARCH_PARTY.action_id, "3")
    await driver.submit(user, modal["id"])
    assert driver.last_problem is None and not driver.last_errors
    results = await stack.fake.wait_for(
        lambda: (v := stack.fake.view(modal["id"])) and buttons(v, ids.PICK_ACTION) and v,
        within=WAIT,
    )  # fmt: skip
    assert results["is_open"] and "Dishoom Covent Garden" in section_text(results)
    # What was typed survives the update that shows the results.
    values = results["state"]["values"]
    assert values[ids.SEARCH_WORDS.block_id][ids.SEARCH_WORDS.action_id]["value"] == words
    pick = buttons(results, ids.PICK_ACTION)[0]
    await driver.click(user, results["id"], pick["action_id"], value=pick["value"])
    form = await wait_for_form(stack, user)
    stack_ids = [v["id"] for v in stack.fake.view_stack(user)]
    assert stack_ids == [modal["id"], form["id"]]  # pushed on top of the search
    date_block = next(b for b in form["blocks"] if b.get("block_id") == ids.DATE.block_id)
    assert date_block["element"]["initial_date"] == on.isoformat()
    return form


async def test_global_shortcut_books_and_confirms_in_dm(stack: LocalStack) -> None:
    driver = _driver(stack)
    response = await driver.shortcut("U_ALICE", ids.BOOK_SHORTCUT)
    assert response.status_code == 200 and driver.last_problem is None
    form = await _search_and_pick(stack, "U_ALICE", "dishoom covent")
    await fill(stack, form)
    await driver.submit("U_ALICE", form["id"])
    assert driver.last_problem is None and not driver.last_errors
    result = await wait_for_result(stack, "U_ALICE")
    assert "direct messages" in section_text(result)
    confirmation = await stack.fake.wait_for(
        lambda: next((m for m in stack.fake.messages("D_ALICE")
                      if m["text"].startswith("Booking at")), None),
        within=WAIT,
    )  # fmt: skip
    assert "Dishoom Covent Garden" in section_text(confirmation)
    assert not any(m["text"].startswith("Booking at") for m in stack.fake.messages("C_GENERAL"))
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["partySize"] == 3


async def test_home_find_a_table_opens_the_search(stack: LocalStack) -> None:
    driver = _driver(stack)
    await driver.open_home("U_BOB")
    home = await stack.fake.wait_for(lambda: stack.fake.home_view("U_BOB"), within=WAIT)
    [find] = buttons(home, ids.HOME_FIND_ACTION)
    await driver.click("U_BOB", home["id"], find["action_id"])
    modal = await _search_modal(stack, "U_BOB")
    assert "direct messages" in section_text(modal)


async def test_message_shortcut_books_into_that_conversation(stack: LocalStack) -> None:
    driver = _driver(stack)
    anchor = stack.fake.post_as_user("U_CAROL", "C_GENERAL", "Team lunch on Wednesday?")
    response = await driver.message_shortcut(
        "U_ALICE", anchor, ids.BOOK_HERE_SHORTCUT, channel_id="C_GENERAL"
    )
    assert response.status_code == 200 and driver.last_problem is None
    modal = await _search_modal(stack, "U_ALICE")
    assert "<#C_GENERAL>" in section_text(modal)
    form = await _search_and_pick(stack, "U_ALICE", "dishoom covent")
    await fill(stack, form)
    await driver.submit("U_ALICE", form["id"])
    result = await wait_for_result(stack, "U_ALICE")
    assert "<#C_GENERAL>" in section_text(result)
    confirmation = await stack.fake.wait_for(
        lambda: next((m for m in stack.fake.messages("C_GENERAL")
                      if not m.get("ephemeral_to") and m["text"].startswith("Booking at")), None),
        within=WAIT,
    )  # fmt: skip
    assert "Dishoom Covent Garden" in section_text(confirmation)
    assert not any(m["text"].startswith("Booking at") for m in stack.fake.messages("D_ALICE"))


async def test_a_double_click_on_a_result_pushes_one_form(stack: LocalStack) -> None:
    driver = _driver(stack)
    results = await _results(stack, "U_ALICE", "dishoom")
    pick = buttons(results, ids.PICK_ACTION)[0]
    for _ in range(2):  # both clicks are acked; the second was dropped before its ack
        response = await driver.click(
            "U_ALICE", results["id"], pick["action_id"], value=pick["value"]
        )
        assert response.status_code == 200
    await wait_for_form(stack, "U_ALICE")
    assert len(stack.fake.view_stack("U_ALICE")) == 2
    assert len(stack.fake.calls_to("views.push")) == 1


async def test_a_slow_search_says_searching_then_shows_the_results(stack: LocalStack) -> None:
    driver = _driver(stack)
    await driver.shortcut("U_ALICE", ids.BOOK_SHORTCUT)
    modal = await _search_modal(stack, "U_ALICE")
    stack.sandbox_control("knobs", {"latency_ms": 2500})  # Bookable slower than the ack budget
    words = ids.SEARCH_WORDS
    await driver.type_value(modal["id"], words.block_id, words.action_id, "dishoom covent")
    await driver.submit("U_ALICE", modal["id"])
    assert driver.last_problem is None  # acked in time all the same
    assert "Searching Bookable" in section_text(stack.fake.view(modal["id"]) or {})
    results = await stack.fake.wait_for(
        lambda: (v := stack.fake.view(modal["id"])) and buttons(v, ids.PICK_ACTION) and v,
        within=WAIT,
    )  # fmt: skip
    assert "Searching" not in section_text(results)
    assert "Dishoom Covent Garden" in section_text(results)
