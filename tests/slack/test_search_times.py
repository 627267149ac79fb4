"""Free times in search results, over signed HTTP against the sandbox and the fake Slack:
time buttons, a time button that opens the modal with the time chosen, results that fill
in place, and a rate budget that degrades to Book buttons without anyone seeing an error."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from bot.devtools.stack import LocalStack
from bot.slack import ids
from bot.slack.blocks.common import human_date
from bot.slack.blocks.search import TIMES_IN_MODAL
from bot.slack.ids import BookRef, SlotChoice

from .flow import (
    WAIT,
    block,
    book_directly,
    buttons,
    next_weekday,
    search,
    section_text,
    times_loading,
    venue_buttons,
    wait_for_form,
    wait_for_result,
)

WEDNESDAY, SATURDAY = 2, 5
USER, CHANNEL = "U_ALICE", "C_GENERAL"


def _times(buttons: list[dict[str, Any]]) -> list[BookRef]:
    refs = [BookRef.decode(b["value"]) for b in buttons]
    return [ref for ref in refs if ref.time is not None]


def _time_buttons(buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in buttons if BookRef.decode(b["value"]).time is not None]


def _labels(buttons: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in buttons]


async def _click(stack: LocalStack, results: dict[str, Any], button: dict[str, Any]) -> None:
    assert stack.driver is not None
    response = await stack.driver.click(
        USER, results, button["action_id"], value=button["value"], channel_id=CHANNEL
    )
    assert response.status_code == 200


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


async def test_results_show_free_times_around_the_requested_time(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, USER, CHANNEL, f"search hawksmoor seven date:{on} time:7pm")
    buttons = venue_buttons(results, "Hawksmoor Seven Dials")
    times = _times(buttons)
    assert 1 <= len(times) <= 5
    assert all(ref.date == on and ref.party == 2 for ref in times)  # party 2 by default
    assert all(abs(_minutes(ref.time or "") - 19 * 60) <= 90 for ref in times)
    assert [ref.time for ref in times] == sorted(ref.time or "" for ref in times)
    # Lunch has nothing near 7pm and Sunday Roast nothing on a Wednesday: both left out.
    labels = " ".join(_labels(buttons))
    assert "Sunday Roast" not in labels and "Lunch" not in labels
    assert "More times" in labels  # the rest of the day's times, in the modal
    assert "around 19:00" in section_text(results) and "party of 2" in section_text(results)
    # Live availability for each product, nothing else: the app asked once per product.
    asked = [r for r in stack.sandbox_state()["received"] if r["path"].endswith("/availability")]
    assert len(asked) == 3


async def test_enquiry_times_are_marked(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, USER, CHANNEL, f"search saltwater leith date:{on} time:19:30")
    labels = _labels(venue_buttons(results, "Saltwater Leith"))
    chef = [label for label in labels if "Chef" in label and ":" in label]
    dinner = [label for label in labels if "Dinner" in label and ":" in label]
    assert chef and all(label.endswith("· enquiry") for label in chef)
    assert dinner and not any("enquiry" in label for label in dinner)


async def test_a_venue_with_nothing_free_says_so_in_one_line(stack: LocalStack) -> None:
    saturday = next_weekday(SATURDAY)
    results = await search(stack, USER, CHANNEL, f"search hawksmoor guildhall date:{saturday}")
    text = section_text(results)
    assert "Nothing free on" in text and "for 2" in text
    [pick] = venue_buttons(results, "Hawksmoor Guildhall")  # no times; another date instead
    assert pick["text"]["text"] == "Pick another date"
    assert BookRef.decode(pick["value"]).time is None


async def test_a_time_button_opens_the_modal_with_that_time_chosen(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, USER, CHANNEL, f"search dishoom covent date:{on} party:3")
    [*_, last] = _time_buttons(venue_buttons(results, "Dishoom Covent Garden"))
    wanted = BookRef.decode(last["value"])
    await _click(stack, results, last)
    form = await wait_for_form(stack, USER)
    slot = block(form, ids.SLOT.block_id)
    assert slot is not None
    chosen = SlotChoice.decode(slot["element"]["initial_option"]["value"])
    assert (chosen.time, chosen.date, chosen.party) == (wanted.time, on, 3)
    assert block(form, ids.DATE.block_id)["element"]["initial_date"] == on.isoformat()
    # Submitting without touching the time books the one pressed.
    assert stack.driver is not None
    await stack.driver.type_value(form["id"], ids.PHONE.block_id, ids.PHONE.action_id,
                                  "+447700900123")  # fmt: skip
    await stack.driver.submit(USER, form["id"])
    assert not stack.driver.last_errors, stack.driver.last_errors
    await wait_for_result(stack, USER)
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["time"][:5] == wanted.time and booking["partySize"] == 3


async def test_a_time_taken_before_the_modal_loads_is_called_gone(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, USER, CHANNEL, f"search dishoom covent date:{on} time:19:00")
    [first, *_] = _time_buttons(venue_buttons(results, "Dishoom Covent Garden"))
    ref = BookRef.decode(first["value"])
    assert ref.time is not None
    while book_directly(stack, ref.composite_id, on, ref.time, 2).status_code == 201:
        pass  # another partner takes every table at that time
    await _click(stack, results, first)
    form = await wait_for_form(stack, USER)
    notice = block(form, f"{ids.SLOT.block_id}_notice")
    assert notice is not None and "no longer free" in section_text({"blocks": [notice]})
    slot = block(form, ids.SLOT.block_id)
    assert slot is None or "initial_option" not in slot["element"]


async def test_results_appear_at_once_then_fill_in_place(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    await search(stack, USER, CHANNEL, f"search dishoom date:{on}")  # venues cached
    stack.sandbox_control("knobs", {"latency_ms": 1500})  # availability is slow now
    first = await search(stack, USER, CHANNEL, f"search dishoom date:{on} party:5", filled=False)
    # The first answer names the venues, offers Book buttons and says times are on their
    # way; it is still showing once the (slow) availability calls are out.
    assert times_loading(first)
    await stack.fake.wait_for(lambda: stack.sandbox_state()["api_in_flight"] > 0 or None)
    still = stack.fake.message(CHANNEL, first["ts"])
    assert still is not None and times_loading(still)
    assert "Dishoom Covent Garden" in section_text(first)
    assert venue_buttons(first, "Dishoom Covent Garden")
    assert not _times(venue_buttons(first, "Dishoom Covent Garden"))

    def filled() -> dict[str, Any] | None:
        message = stack.fake.message(CHANNEL, first["ts"])
        return message if message and not times_loading(message) else None

    final = await stack.fake.wait_for(filled, within=WAIT)
    assert _times(venue_buttons(final, "Dishoom Covent Garden"))
    mine = [m for m in stack.fake.messages(CHANNEL) if m.get("ephemeral_to") == USER]
    assert [m["ts"] for m in mine].count(first["ts"]) == 1  # replaced, not posted again
    answers = stack.fake.calls_to("response_url")
    assert answers[-1].args.get("replace_original") is True


ERROR_WORDS = ("went wrong", "rate limit", "429", "too many", "try again", "isn't answering")


def _no_error_shown(stack: LocalStack) -> None:
    for message in stack.fake.messages(CHANNEL):
        text = section_text(message).lower()
        assert not [word for word in ERROR_WORDS if word in text], text


async def test_a_spent_budget_gives_book_buttons_and_says_times_load_in_the_modal(
    stack_with: Any,
) -> None:
    stack = stack_with(search_times_budget=1)
    on = next_weekday(WEDNESDAY)
    results = await search(stack, USER, CHANNEL, f"search dishoom date:{on}")
    assert TIMES_IN_MODAL in section_text(results)
    assert _labels(venue_buttons(results, "Dishoom Covent Garden")) == [
        "Book Breakfast",
        "Book Dinner",
    ]
    asked = [r for r in stack.sandbox_state()["received"] if r["path"].endswith("/availability")]
    assert len(asked) <= 1  # the budget, not one call per product
    # Budget spent: the next search doesn't even try, and still answers with Book buttons.
    again = await search(stack, USER, CHANNEL, f"search dishoom date:{on} party:4")
    assert not times_loading(again) and TIMES_IN_MODAL in section_text(again)
    labels = _labels(venue_buttons(again, "Dishoom Covent Garden"))
    assert labels == ["Book Breakfast", "Book Dinner"]
    # The modal still loads live times.
    assert stack.driver is not None
    [breakfast, _] = venue_buttons(again, "Dishoom Covent Garden")
    await _click(stack, again, breakfast)
    form = await wait_for_form(stack, USER)
    assert block(form, ids.SLOT.block_id) is not None
    _no_error_shown(stack)


async def test_a_429_from_bookable_degrades_without_an_error(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    await search(stack, USER, CHANNEL, "search dishoom")  # the venue search is cached now
    stack.sandbox_control("knobs", {"rate_limit_next": 50})
    results = await search(stack, USER, CHANNEL, f"search dishoom date:{on}")
    assert TIMES_IN_MODAL in section_text(results)
    assert venue_buttons(results, "Dishoom Covent Garden")
    _no_error_shown(stack)


async def test_feeds_answer_results_without_live_calls_and_give_the_next_free_day(
    stack: LocalStack,
) -> None:
    stack.sandbox_control("knobs", {"feeds": True})
    saturday = next_weekday(SATURDAY)
    results = await search(stack, USER, CHANNEL, f"search hawksmoor date:{saturday} time:19:00")
    text = section_text(results)
    # Guildhall is closed at weekends: its feed knows the next day it has a table.
    monday = saturday + timedelta(days=2)
    assert f"next free day: *{human_date(monday)}*" in text
    # Seven Dials takes only enquiries for Saturday dinner, and says so.
    labels = _labels(venue_buttons(results, "Hawksmoor Seven Dials"))
    assert any(label.endswith("· enquiry") for label in labels)
    asked = [r for r in stack.sandbox_state()["received"] if r["path"].endswith("/availability")]
    assert asked == []  # feeds are outside the rate limit; live calls are for the modal
    # The modal still asks live availability right before booking.
    [first, *_] = venue_buttons(results, "Hawksmoor Seven Dials")
    await _click(stack, results, first)
    await wait_for_form(stack, USER)
    asked = [r for r in stack.sandbox_state()["received"] if r["path"].endswith("/availability")]
    assert len(asked) == 1


async def test_a_feed_that_cannot_be_read_falls_back_to_live_availability(
    stack: LocalStack,
) -> None:
    broken = f"{stack.sandbox_url}/_feeds/0/none/none.json.gz"  # a 404
    stack.sandbox_control(
        "venues",
        {"name": "Feedless Bistro", "products": [{"productName": "Dinner", "feedUrl": broken}]},
    )
    on = next_weekday(WEDNESDAY)
    results = await search(stack, USER, CHANNEL, f"search feedless date:{on}")
    assert _times(venue_buttons(results, "Feedless Bistro"))
    asked = [r for r in stack.sandbox_state()["received"] if r["path"].endswith("/availability")]
    assert len(asked) == 1


async def test_the_next_page_fills_in_its_times_too(stack: LocalStack) -> None:
    on = next_weekday(WEDNESDAY)
    first = await search(stack, USER, CHANNEL, f"search date:{on} time:13:00")
    [following] = buttons(first, f"{ids.PAGE_ACTION}:next")
    assert stack.driver is not None
    await stack.driver.click(USER, first, following["action_id"], value=following["value"])

    def second_page() -> dict[str, Any] | None:
        message = stack.fake.message(CHANNEL, first["ts"])
        text = section_text(message) if message else ""
        return message if "page 2" in text and not times_loading(message) else None

    second = await stack.fake.wait_for(second_page, within=WAIT)
    refs = _times(buttons(second, ids.BOOK_ACTION))
    assert refs and all(ref.date == on and ref.party == 2 for ref in refs)
    assert "around 13:00" in section_text(second)


async def test_a_time_button_from_a_day_gone_by_opens_today_and_says_so(
    stack: LocalStack,
) -> None:
    on = next_weekday(WEDNESDAY)
    results = await search(stack, USER, CHANNEL, f"search dishoom covent date:{on}")
    [first, *_] = _time_buttons(venue_buttons(results, "Dishoom Covent Garden"))
    ref = BookRef.decode(first["value"])
    yesterday = date.today() - timedelta(days=1)  # the results were left open overnight
    stale = dataclasses.replace(ref, date=yesterday).encode()
    assert stack.driver is not None
    await stack.driver.click(USER, results, first["action_id"], value=stale, channel_id=CHANNEL)
    form = await wait_for_form(stack, USER)
    notice = block(form, f"{ids.DATE.block_id}_notice")
    assert notice is not None and "has passed" in section_text({"blocks": [notice]})
    assert block(form, ids.DATE.block_id)["element"]["initial_date"] != yesterday.isoformat()
