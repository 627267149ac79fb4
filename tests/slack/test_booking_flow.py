"""Search → Book → modal → submit, over real signed HTTP against the whole app."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot.devtools.stack import LocalStack
from bot.slack import ids
from bot.slack.blocks.modal import notice_block_id
from bot.slack.ids import ModalMeta

from .flow import (
    block,
    book_directly,
    book_through_slack,
    buttons,
    confirmation,
    fill,
    next_weekday,
    open_form,
    search,
    section_text,
    slot_options,
    wait_for_form,
    wait_for_result,
)

WEDNESDAY, SATURDAY = 2, 5


async def test_search_book_and_a_confirmed_booking_is_posted(
    stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    on = next_weekday(WEDNESDAY)
    message = await book_through_slack(
        stack, "U_ALICE", "C_GENERAL", f"search dishoom party:3 date:{on}",
        "Dishoom Covent Garden", notes="window <!channel> please",
    )  # fmt: skip
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["status"] == "Confirmed"
    assert booking["partySize"] == 3 and booking["date"] == on.isoformat()
    assert booking["firstName"] == "Alice" and booking["email"] == "alice@example.com"
    assert booking["notes"] == "window <!channel> please"
    text = section_text(message)
    assert "Dishoom Covent Garden" in text and "Confirmed" in text and "party of 3" in text
    assert buttons(message, ids.CANCEL_ACTION)[0]["value"] == booking["id"]
    posts = stack.fake.calls_to("chat.postMessage")
    [post] = [c for c in posts if not c.args.get("thread_ts")]  # not the notifier's replies
    assert "link_names" not in post.args
    for secret in (stack.signing_secret, stack.bot_token):
        assert all(secret not in text for text in stack.fake.all_posted_texts())
        assert secret not in caplog.text


async def test_an_enquiry_slot_makes_a_pending_booking(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search saltwater date:{on} party:2")
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Saltwater Leith",
                           product="Chef")  # fmt: skip
    labels = [o["text"]["text"] for o in slot_options(form)]
    assert labels and all(label.endswith("(enquiry)") for label in labels)
    descriptions = {o["description"]["text"] for o in slot_options(form)}
    assert descriptions == {"fully booked, the venue will reply"}
    assert form["submit"]["text"] == "Send enquiry"  # never "Book" for an enquiry
    await fill(stack, form)
    await stack.driver.submit("U_ALICE", form["id"])
    result = await wait_for_result(stack, "U_ALICE")
    shown = section_text(result)
    assert "Enquiry sent" in shown and "The venue will reply" in shown
    assert "Booked" not in shown
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["status"] == "Pending"
    posted = section_text(await confirmation(stack, "U_ALICE", "C_GENERAL"))
    assert "Enquiry sent by <@U_ALICE>" in posted and "Booked by" not in posted


async def test_the_modal_opens_with_the_search_date_and_refreshes_on_change(
    stack: LocalStack,
) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search hawksmoor seven date:{on}")
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Hawksmoor Seven Dials",
                           product="Dinner")  # fmt: skip
    assert block(form, ids.DATE.block_id)["element"]["initial_date"] == on.isoformat()
    assert block(form, ids.FIRST_NAME.block_id)["element"]["initial_value"] == "Alice"
    assert all(not o["text"]["text"].endswith("(enquiry)") for o in slot_options(form))
    assert form["submit"]["text"] == "Book"
    await stack.driver.type_value(form["id"], ids.NOTES.block_id, ids.NOTES.action_id, "kept")
    saturday = next_weekday(SATURDAY)
    await stack.driver.select_date(form["id"], ids.DATE.block_id, ids.DATE.action_id, saturday)
    refreshed = await wait_for_form(stack, "U_ALICE", other_than=form["hash"])
    refreshed = await stack.fake.wait_for(
        lambda: (
            (v := stack.fake.current_view("U_ALICE"))
            and all(o["text"]["text"].endswith("(enquiry)") for o in slot_options(v))
            and slot_options(v)
            and v
        ),
        within=15,
    )  # Saturdays at Hawksmoor Seven Dials are enquiry-only
    assert refreshed["id"] == form["id"]
    notes = refreshed["state"]["values"][ids.NOTES.block_id][ids.NOTES.action_id]["value"]
    assert notes == "kept"  # typed values survive the refresh


async def test_a_party_above_eight_needs_the_venues_ok(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{on}")
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Dishoom Covent Garden")
    await stack.driver.type_value(form["id"], ids.PARTY.block_id, ids.PARTY.action_id, "12")
    refreshed = await stack.fake.wait_for(
        lambda: (v := stack.fake.current_view("U_ALICE")) and slot_options(v)
        and "large party" in str(slot_options(v)) and v,
        within=15,
    )  # fmt: skip
    assert all(o["text"]["text"].endswith("(enquiry)") for o in slot_options(refreshed))


async def test_field_errors_appear_under_their_fields(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{on}")
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Dishoom Covent Garden")
    driver = stack.driver
    await fill(stack, form, phone="0770090", email="alice@nowhere")
    await driver.submit("U_ALICE", form["id"])
    assert driver.last_problem is None
    assert set(driver.last_errors or {}) == {ids.PHONE.block_id, ids.EMAIL.block_id}
    assert "country code" in driver.last_errors[ids.PHONE.block_id]
    hint = block(form, ids.PHONE.block_id)["hint"]["text"]  # the example is in the hint only
    assert "+447700900123" in hint and "+447700900123" not in driver.last_errors[ids.PHONE.block_id]
    # a date in the past (the datepicker does not stop it)
    await fill(stack, form, email="alice@example.com")
    await driver.select_date(form["id"], ids.DATE.block_id, ids.DATE.action_id, "2020-01-01")
    await driver.submit("U_ALICE", stack.fake.current_view("U_ALICE")["id"])
    assert ids.DATE.block_id in (driver.last_errors or {})
    assert stack.sandbox_state()["bookings"] == []


@pytest.mark.parametrize(
    "problem_minimal", [False, True], ids=["sandbox codes", "no code or isRetryable"]
)
async def test_a_slot_taken_meanwhile_is_reported_under_the_time_with_fresh_times(
    stack: LocalStack, problem_minimal: bool
) -> None:
    # Advice from the HTTP status when Bookable's answer has no code (issue 9, item 9).
    stack.sandbox_control("knobs", {"problem_minimal": problem_minimal})
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{on}")
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Dishoom Covent Garden")
    first = slot_options(form)[0]
    await fill(stack, form, slot=first["text"]["text"])
    meta = ModalMeta.decode(form["private_metadata"])
    while book_directly(stack, meta.composite_id, on, first["text"]["text"], 2).status_code == 201:
        pass  # another partner takes every table at that time
    await stack.driver.submit("U_ALICE", form["id"])
    again = await stack.fake.wait_for(
        lambda: (v := stack.fake.current_view("U_ALICE"))
        and block(v, notice_block_id(ids.SLOT.block_id)) and v,
        within=15,
    )  # fmt: skip
    notice = section_text({"blocks": [block(again, notice_block_id(ids.SLOT.block_id))]})
    assert "just taken" in notice
    assert first["text"]["text"] not in [o["text"]["text"] for o in slot_options(again)]
    # Picking another time clears the notice that no longer applies.
    other = slot_options(again)[0]
    await stack.driver.choose_option(
        again["id"], ids.SLOT.block_id, ids.SLOT.action_id, other["value"]
    )
    again = await stack.fake.wait_for(
        lambda: (v := stack.fake.current_view("U_ALICE"))
        and not block(v, notice_block_id(ids.SLOT.block_id)) and v,
        within=15,
    )  # fmt: skip
    # the same modal can book another time now (its key was released)
    await fill(stack, again, slot=other["text"]["text"])
    await stack.driver.submit("U_ALICE", again["id"])
    await wait_for_result(stack, "U_ALICE")
    mine = [b for b in stack.sandbox_state()["bookings"] if b["firstName"] == "Alice"]
    assert len(mine) == 1


async def test_the_phone_comes_from_the_slack_profile_when_it_has_one(
    stack: LocalStack,
) -> None:
    on = next_weekday(WEDNESDAY)
    for user, phone in (("U_BOB", "+447700900456"), ("U_ALICE", None)):
        results = await search(stack, user, "C_GENERAL", f"search dishoom covent date:{on}")
        form = await open_form(stack, user, "C_GENERAL", results, "Dishoom Covent Garden")
        assert block(form, ids.PHONE.block_id)["element"].get("initial_value") == phone
        await stack.driver.close(user, form["id"])


async def test_a_double_submit_makes_one_booking(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{on}")
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Dishoom Covent Garden")
    await fill(stack, form)
    first, second = await asyncio.gather(
        stack.driver.submit("U_ALICE", form["id"]), stack.driver.submit("U_ALICE", form["id"])
    )
    assert first.status_code == second.status_code == 200
    await wait_for_result(stack, "U_ALICE")
    await asyncio.sleep(0.5)  # a second booking, if any, would be on its way by now
    assert len(stack.sandbox_state()["bookings"]) == 1
    posts = stack.fake.calls_to("chat.postMessage")
    assert len([c for c in posts if not c.args.get("thread_ts")]) == 1


async def test_a_closed_venue_says_so_under_the_date(stack: LocalStack) -> None:
    saturday = next_weekday(SATURDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL",
                           f"search hawksmoor guildhall date:{saturday}")  # fmt: skip
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Hawksmoor Guildhall")
    notice = block(form, notice_block_id(ids.DATE.block_id))
    assert notice is not None and "closed" in section_text({"blocks": [notice]})
    assert block(form, ids.SLOT.block_id) is None


async def test_a_preorder_is_required_where_the_product_needs_one(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search bancroft date:{on}")
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Bancroft &amp; Vale Mayfair",
                           product="Afternoon")  # fmt: skip
    preorders = block(form, ids.PREORDERS.block_id)
    assert preorders is not None
    await fill(stack, form)
    # Slack's client itself refuses an empty required select; choose one and book
    choice = preorders["element"]["options"][0]["value"]
    await stack.driver.choose_options(form["id"], ids.PREORDERS.block_id,
                                      ids.PREORDERS.action_id, [choice])  # fmt: skip
    await stack.driver.submit("U_ALICE", form["id"])
    await wait_for_result(stack, "U_ALICE")
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["preorders"]


async def test_posts_to_the_dm_when_the_bot_is_not_in_the_channel(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_RANDOM", f"search dishoom covent date:{on}")
    form = await open_form(stack, "U_ALICE", "C_RANDOM", results, "Dishoom Covent Garden")
    await fill(stack, form)
    await stack.driver.submit("U_ALICE", form["id"])
    result = await wait_for_result(stack, "U_ALICE")
    assert "direct messages" in section_text(result)
    message = await confirmation(stack, "U_ALICE", "D_ALICE")
    assert buttons(message, ids.CANCEL_ACTION)
    why = await stack.fake.wait_for(
        lambda: next(
            (m for m in stack.fake.messages("D_ALICE") if "I sent this here" in m["text"]), None
        ),
        within=15,
    )
    assert "not a member of <#C_RANDOM>" in why["text"]
    assert "`/invite @Bookable` in <#C_RANDOM>" in why["text"]
    assert [m for m in stack.fake.messages("C_RANDOM") if not m.get("ephemeral_to")] == []


async def test_an_expired_trigger_is_explained(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{on}")
    stack.fake.inject("views.open", error="expired_trigger_id")
    [book, *_] = buttons(results, ids.BOOK_ACTION)
    await stack.driver.click("U_ALICE", results, book["action_id"], channel_id="C_GENERAL")
    await stack.fake.wait_for(
        lambda: any("click *Book* again" in section_text(m)
                    for m in stack.fake.messages("C_GENERAL")),
        within=15,
    )  # fmt: skip
    assert stack.fake.current_view("U_ALICE") is None


async def test_bookable_down_on_submit_keeps_the_key_and_says_so(stack_with: Any) -> None:
    """A 5xx may hide a booking, whatever it says about retrying: the form is not offered
    again (a second submit could book twice); the booker is told the result will follow."""
    stack: LocalStack = stack_with(bookable_max_retries=0)
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{on}")
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Dishoom Covent Garden")
    await fill(stack, form)
    stack.sandbox_control("knobs", {"fail_next": {"count": 1, "status": 503}})
    await stack.driver.submit("U_ALICE", form["id"])
    view = await wait_for_text_in_view(stack, "U_ALICE", UNCONFIRMED)
    assert "<#C_GENERAL>" in section_text(view)
    assert block(view, ids.SLOT.block_id) is None  # nothing to submit again
    assert stack.sandbox_state()["bookings"] == []


UNCONFIRMED = "can't tell yet whether this table was booked"


async def wait_for_text_in_view(stack: LocalStack, user: str, *needles: str) -> dict[str, Any]:
    return await stack.fake.wait_for(
        lambda: (v := stack.fake.current_view(user))
        and any(n in section_text(v) for n in needles) and v,
        within=15,
    )  # fmt: skip


@pytest.mark.parametrize("answer", ["garbage", "error_500"])
async def test_a_create_that_booked_but_answered_badly_books_once_and_is_confirmed(
    stack: LocalStack, answer: str
) -> None:
    """Bookable booked the table, then answered a 2xx we can't parse or a bare 500. The
    modal is submitted twice (a double click): one table is booked, the modal says the
    result is being confirmed, and the booking's webhook (documented fields only) matches
    the submission by fingerprint, so the confirmation comes and the booking is listed."""
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{on}")
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Dishoom Covent Garden")
    await fill(stack, form)
    stack.sandbox_control("knobs", {"lose_next_answer": {"count": 1, "answer": answer}})
    await asyncio.gather(
        stack.driver.submit("U_ALICE", form["id"]), stack.driver.submit("U_ALICE", form["id"])
    )
    # Which comes first, the bad answer or the webhook's adoption, is a race: either way
    # the modal never offers the form again.
    view = await wait_for_text_in_view(stack, "U_ALICE", UNCONFIRMED, "Already booked")
    assert block(view, ids.SLOT.block_id) is None
    message = await confirmation(stack, "U_ALICE", "C_GENERAL")
    [booking] = stack.sandbox_state()["bookings"]
    assert buttons(message, ids.CANCEL_ACTION)[0]["value"] == booking["id"]
    await stack.driver.command("U_ALICE", "C_GENERAL", "bookings")
    listing = await stack.fake.wait_for(
        lambda: next(
            (section_text(m) for m in stack.fake.messages("C_GENERAL")
             if str(m.get("text", "")).startswith("Your bookings")),
            None,
        ),
        within=15,
    )  # fmt: skip
    assert "Dishoom Covent Garden" in listing
    assert len(stack.sandbox_state()["bookings"]) == 1
    posts = stack.fake.calls_to("chat.postMessage")
    assert len([c for c in posts if str(c.args.get("text", "")).startswith("Booking at")]) == 1
