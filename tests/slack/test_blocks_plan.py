"""The team meal plan's modal, channel message, organiser control and notes, built directly
(pure builders): with each option's availability in the message and free times under the
modal's options."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

from bot.service.calendar import CalendarLinks
from bot.service.times import FreeTime, SlotCheck
from bot.slack import ids
from bot.slack.blocks.plan import (
    MODAL_TIMES_SHOWN,
    NAMES_SHOWN,
    booked_dm,
    control_outcome,
    modal_times_line,
    organiser_control,
    party_refused_note,
    plan_message,
    plan_modal,
    slot_gone_control,
    slot_gone_note,
    unconfirmed_note,
    who_is_in,
    with_free_times,
)
from bot.slack.blocks.search import search_results
from bot.slack.ids import PageRef
from bot.slack.listeners.plans import chosen_venues
from bot.store.records import Plan, PlanOption

from .conftest import HOSTILE, LONG_HOSTILE, make_record, make_venue
from .flow import buttons, section_text
from .support import assert_no_raw_markup, assert_valid_message, assert_valid_view

PLAN_ID = "0123456789abcdef0123456789abcdef"


def make_plan(**changes: object) -> Plan:
    values: dict = {
        "plan_id": PLAN_ID,
        "team_id": "T1",
        "channel_id": "C_GENERAL",
        "organiser_id": "U_ALICE",
        "message_ts": "1.2",
        "note": "",
        "booker": {},
        "deadline": None,
        "state": "open",
        "booked_position": None,
        "booking_id": None,
        "options": (
            PlanOption(0, "29|CO|a|b", "Dishoom", "Dinner", dt.date(2030, 8, 16), "19:00"),
            PlanOption(1, "29|CO|c|d", "Hawksmoor", "Lunch", dt.date(2030, 8, 17), "12:30"),
        ),
        "votes": {},
    } | changes
    return Plan(**values)


def test_each_option_has_its_count_names_and_an_im_in_button() -> None:
    plan = make_plan(votes={"U_V1": 0, "U_V2": 0, "U_V3": 1, "U_V4": None})
    message = plan_message(plan)
    assert_valid_message(message)
    text = section_text(message)
    assert "*Dishoom* (Dinner), Fri 16 Aug 2030 at 19:00 venue time" in text
    assert "*2 in*: <@U_V1>, <@U_V2>" in text and "*1 in*: <@U_V3>" in text
    assert "Can't make it: *1*" in text
    votes = buttons(message, ids.PLAN_VOTE_ACTION)
    assert [b["value"] for b in votes] == [f"{PLAN_ID}:0", f"{PLAN_ID}:1"]
    assert all(ids.PLAN_VOTE_PATTERN.match(b["action_id"]) for b in votes)
    for action in (ids.PLAN_CANT_ACTION, ids.PLAN_WHO_ACTION, ids.PLAN_TOOLS_ACTION):
        assert [b["value"] for b in buttons(message, action)] == [PLAN_ID]
    # Slack shows a message's buttons to everyone: Book it and Close are in the control.
    assert buttons(message, ids.PLAN_BOOK_ACTION) == buttons(message, ids.PLAN_CLOSE_ACTION) == []


def test_hostile_names_and_note_are_escaped() -> None:
    hostile = PlanOption(0, "29|CO|a|b", LONG_HOSTILE, HOSTILE, dt.date(2030, 8, 16), "19:00")
    message = plan_message(make_plan(note=LONG_HOSTILE * 3, options=(hostile,)))
    assert_valid_message(message)
    assert "&lt;!channel&gt;" in section_text(message)
    gone = slot_gone_note(make_plan(options=(hostile,)), hostile, 4, None)
    assert_no_raw_markup({"text": gone})
    for control in (
        slot_gone_control(make_plan(options=(hostile, hostile)), hostile, 4, hostile),
        organiser_control(make_plan(options=(hostile,), state="booked", booked_position=0)),
    ):
        assert_valid_message(control)
        assert "&lt;!channel&gt;" in section_text(control)


def test_a_hundred_voters_collapse_to_counts_within_block_kit_limits() -> None:
    votes: dict[str, int | None] = {f"U_V{n:03}": n % 4 for n in range(100)}
    options = tuple(
        PlanOption(n, f"29|CO|{n}|x", LONG_HOSTILE, LONG_HOSTILE, dt.date(2030, 8, 16), "19:00")
        for n in range(ids.PLAN_OPTIONS)
    )
    plan = make_plan(votes=votes, options=options, note=LONG_HOSTILE)
    message = plan_message(plan)
    assert_valid_message(message)
    text = section_text(message)
    assert text.count("*25 in*") == 4 and text.count(f"and {25 - NAMES_SHOWN} more") == 4
    nearby = tuple(free(f"2{n}:00", enquiry=True) for n in range(3))
    checked = plan_message(plan, {n: SlotCheck("19:00", 25, "taken", nearby) for n in range(4)})
    assert_valid_message(checked)
    assert section_text(checked).count("is not free for 25") == 4
    assert len(json.dumps(checked["blocks"])) < 12_000  # Slack refuses near 13k in total
    everyone = who_is_in(plan)
    assert_valid_message(everyone)
    assert all(f"<@U_V{n:03}>" in section_text(everyone) for n in range(100))


def free(time: str, *, enquiry: bool = False) -> FreeTime:
    return FreeTime("29|CO|a|b", "Dinner", time, enquiry)


def option_texts(message: dict) -> list[str]:
    """Each option's section text ("1. *Dishoom* …"), in order."""
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    return [t for t in texts if re.match(r"\d\. ", t)]


def test_each_option_says_whether_its_time_is_free_for_the_people_in() -> None:
    plan = make_plan(
        options=(*make_plan().options, *(
            PlanOption(n, f"29|CO|{n}|x", "Venue", "Dinner", dt.date(2030, 8, 16), "19:00")
            for n in (2, 3, 4)
        )),
    )  # fmt: skip
    availability = {
        0: SlotCheck("19:00", 6, "free"),
        1: SlotCheck("12:30", 1, "enquiry"),
        2: SlotCheck("19:00", 9, "taken", (free("19:30"), free("20:00", enquiry=True))),
        3: SlotCheck("19:00", 9, "taken"),
        4: None,
    }
    message = plan_message(plan, availability)
    assert_valid_message(message)
    first, second, third, fourth, fifth = option_texts(message)
    assert ":large_green_circle: Free for 6 at 19:00" in first
    assert "12:30 for 1 on request (the venue confirms)" in second
    assert "19:00 is not free for 9 — free nearby: 19:30, 20:00 (on request)" in third
    assert "19:00 is not free for 9, nor any time near it" in fourth
    assert "Availability is checked when booking" in fifth
    # Under the title, above the count.
    assert first.index("Dishoom") < first.index("Free for 6") < first.index("*0 in*")


def test_no_availability_line_before_a_lookup_or_once_booked_closed_or_gone() -> None:
    checks = {0: SlotCheck("19:00", 2, "free"), 1: SlotCheck("12:30", 2, "free")}
    assert "Free for" not in section_text(plan_message(make_plan()))
    assert "checked when booking" not in section_text(plan_message(make_plan()))
    booked = make_plan(state="booked", booked_position=0, booking_id="bk", votes={"U_V1": 0})
    for plan in (booked, dataclasses.replace(booked, state="closed")):
        assert "Free for" not in section_text(plan_message(plan, checks))
    plan = make_plan()
    gone = make_plan(options=(dataclasses.replace(plan.options[0], gone=True), plan.options[1]))
    taken, left = option_texts(plan_message(gone, checks))
    assert "No longer available" in taken and "Free for" not in taken
    assert "Free for 2 at 12:30" in left


def test_availability_times_from_bookable_are_escaped() -> None:
    hostile = SlotCheck("<!ch>", 3, "taken", (free("<@U1>"), free("&<>")))
    message = plan_message(make_plan(), {0: hostile, 1: SlotCheck("<!channel>", 3, "free")})
    assert_valid_message(message)
    assert "&lt;" in section_text(message)


def test_once_closed_the_message_has_no_buttons() -> None:
    booked = make_plan(state="booked", booked_position=1, booking_id="bk", votes={"U_V1": 1})
    message = plan_message(booked)
    assert len(buttons(message, ids.PLAN_VOTE_ACTION)) == 2  # joining still counts
    assert len(buttons(message, ids.PLAN_TOOLS_ACTION)) == 1  # Close stays the organiser's
    assert ":white_check_mark: *Booked*" in section_text(message)
    closed = plan_message(dataclasses.replace(booked, state="closed"))
    assert buttons(closed, ids.PLAN_VOTE_ACTION) == buttons(closed, ids.PLAN_TOOLS_ACTION) == []


def test_the_organiser_control_says_what_book_it_does_and_offers_book_it_and_close() -> None:
    deadline = dt.datetime(2030, 8, 15, 17, 0, tzinfo=dt.UTC)
    control = organiser_control(make_plan(deadline=deadline))
    assert_valid_message(control)
    text = section_text(control)
    assert "*Book it* books the option with the most people in" in text
    assert f"<!date^{int(deadline.timestamp())}^" in text and "Only you can see this" in text
    [book] = buttons(control, ids.PLAN_BOOK_ACTION)
    [close] = buttons(control, ids.PLAN_CLOSE_ACTION)
    assert (book["value"], book["style"], book["text"]["text"]) == (PLAN_ID, "primary", "Book it")
    assert (close["value"], close["style"], close["text"]["text"]) == (
        PLAN_ID,
        "danger",
        "Close plan",
    )
    assert close["confirm"]["confirm"]["text"] == "Close it"
    assert "voting closes" not in section_text(organiser_control(make_plan()))


def test_the_control_follows_the_plans_state() -> None:
    booked = make_plan(state="booked", booked_position=1, booking_id="bk")
    control = organiser_control(booked)
    assert "Booked *Hawksmoor* (Lunch)" in section_text(control) and "see the thread" in (
        section_text(control)
    )
    assert buttons(control, ids.PLAN_BOOK_ACTION) == []
    assert len(buttons(control, ids.PLAN_CLOSE_ACTION)) == 1  # a booked plan can still close
    for state, words in (("booking", "Booking the winner"), ("closed", "This plan is closed")):
        control = organiser_control(make_plan(state=state))
        assert_valid_message(control)
        assert words in section_text(control)
        assert buttons(control, "plan_") == []


def test_book_its_outcome_replaces_the_control() -> None:
    nobody = control_outcome(make_plan(), "nobody")
    assert "Nobody is in" in section_text(nobody)
    assert len(buttons(nobody, ids.PLAN_BOOK_ACTION)) == 1  # reopened: try again later
    gone = control_outcome(make_plan(), "gone")
    assert "your choice is below" in section_text(gone) and buttons(gone, "plan_") == []
    stale = control_outcome(make_plan(state="booked", booked_position=0), "busy")
    assert "Booked *Dishoom*" in section_text(stale)
    assert buttons(stale, ids.PLAN_BOOK_ACTION) == []


def test_a_gone_slot_offers_the_next_option_by_its_number_or_only_close() -> None:
    plan = make_plan()
    first, second = plan.options
    control = slot_gone_control(plan, first, 5, second)
    assert_valid_message(control)
    text = section_text(control)
    assert "*Dishoom* (Dinner)" in text and "can no longer seat 5" in text
    assert "*Book option 2* books the next option, *Hawksmoor* (Lunch)" in text
    [book] = buttons(control, ids.PLAN_BOOK_ACTION)
    assert book["text"]["text"] == "Book option 2" and book["value"] == f"{PLAN_ID}:1"
    assert ids.parse_plan_value(book["value"], with_position=True) == (PLAN_ID, 1)
    last = slot_gone_control(plan, second, 5, None)
    assert "No other option is left" in section_text(last)
    assert buttons(last, ids.PLAN_BOOK_ACTION) == []
    assert len(buttons(last, ids.PLAN_CLOSE_ACTION)) == 1


def test_a_gone_option_loses_its_button() -> None:
    plan = make_plan()
    gone = (dataclasses.replace(plan.options[0], gone=True), plan.options[1])
    message = plan_message(make_plan(options=gone))
    assert [b["value"] for b in buttons(message, ids.PLAN_VOTE_ACTION)] == [f"{PLAN_ID}:1"]
    assert "No longer available" in section_text(message)


def test_notes_name_the_organiser_and_the_option() -> None:
    plan = make_plan()
    first, second = plan.options
    assert "organiser tools offer the next option, *Hawksmoor*" in slot_gone_note(
        plan, first, 5, second
    )
    assert "cannot seat 9" in party_refused_note(plan, first, 9, 4)
    assert "never confirmed the booking for *Dishoom" in unconfirmed_note(plan, first)


def test_the_booked_dm_has_the_reminder_and_calendar_links_only_when_they_exist() -> None:
    plan = make_plan()
    first = plan.options[0]
    links = CalendarLinks("http://app.example/calendar/a.ics?exp=1&sig=x", "https://g.example/")
    due = dt.datetime(2030, 8, 15, 16, 0, tzinfo=dt.UTC)
    dm = booked_dm(plan, first, make_record(party_size=4), calendar=links, reminder_at=due)
    assert_valid_message(dm)
    text = section_text(dm)
    assert "<@U_ALICE>" in text and "<#C_GENERAL>" in text and "a table for 4" in text
    assert f"I'll remind you <!date^{int(due.timestamp())}^" in text
    assert "Add to calendar (.ics)" in text and "still has to confirm" not in text

    pending = section_text(booked_dm(plan, first, make_record(status="pending")))
    assert "still has to confirm" in pending
    assert "remind" not in pending and "calendar" not in pending


def test_the_modal_has_four_options_the_first_required() -> None:
    view = plan_modal("C_GENERAL", today=dt.date(2030, 8, 1), phone="+447700900123")
    assert_valid_view(view)
    venue_blocks = [b for b in view["blocks"] if b.get("block_id", "").startswith("plan_venue_")]
    assert [b["optional"] for b in venue_blocks] == [False, True, True, True]
    assert view["private_metadata"] == "C_GENERAL"
    chosen = plan_modal(
        "C_GENERAL", today=dt.date(2030, 8, 1), chosen=[("29|CO|a|b", "Dishoom"), ("c", "Hawk")]
    )
    assert_valid_view(chosen)
    picked = [b for b in chosen["blocks"] if b.get("block_id") in ("plan_venue_0", "plan_venue_1")]
    assert [b["element"]["initial_option"]["value"] for b in picked] == ["29|CO|a|b", "c"]
    second_date = next(b for b in chosen["blocks"] if b.get("block_id") == "plan_date_1")
    assert second_date["element"]["initial_date"] == "2030-08-01"


def test_forged_plan_values_are_refused() -> None:
    assert ids.parse_plan_value(f"{PLAN_ID}:3", with_position=True) == (PLAN_ID, 3)
    for forged in (f"{PLAN_ID}:4", f"{PLAN_ID}:x", "nope:1", "", None, f"{PLAN_ID}"):
        try:
            ids.parse_plan_value(forged, with_position=True)
        except ids.StaleReference:
            continue
        raise AssertionError(f"accepted {forged!r}")


def test_search_results_offer_plan_with_the_channel_per_venue() -> None:
    venues = [make_venue(i) for i in range(2)]
    message = search_results(venues, PageRef(words="venue"), has_next=False)
    assert_valid_message(message)
    [start] = buttons(message, ids.PLAN_START_ACTION)
    assert json.loads(start["value"]) == [v.products[0].composite_id for v in venues]
    assert start["text"]["text"] == "Plan with the channel"
    assert chosen_venues(start["value"]) == json.loads(start["value"])
    for forged in ("", "nope", '{"a": 1}', "[1, 2]", json.dumps(["x" * 151]), None):
        assert chosen_venues(forged) == []
    assert len(chosen_venues(json.dumps([f"p{n}" for n in range(9)]))) == ids.PLAN_OPTIONS


def _blocks_by_id(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b for b in view["blocks"] if "block_id" in b}


def test_choosing_an_options_venue_or_date_is_sent_to_the_app() -> None:
    view = plan_modal("C_GENERAL", today=dt.date(2030, 8, 1))
    found = _blocks_by_id(view)
    for position in range(ids.PLAN_OPTIONS):
        for kind, dispatches in (("venue", True), ("date", True), ("time", False)):
            block = found[ids.plan_option_block(kind, position)]
            assert bool(block.get("dispatch_action")) is dispatches


def test_free_times_go_under_each_options_date_and_replace_the_last_ones() -> None:
    view = {**plan_modal("C_GENERAL", today=dt.date(2030, 8, 1)), "id": "V1", "hash": "h1",
            "state": {"values": {}}, "team_id": "T1"}  # fmt: skip
    on = dt.date(2030, 8, 16)
    shown = with_free_times(view, {0: modal_times_line(on, [free("19:00")], 2), 2: "x"})
    assert_valid_view(shown)
    assert set(shown) == {"type", "callback_id", "title", "submit", "close",
                          "private_metadata", "blocks"}  # fmt: skip
    order = [b.get("block_id") for b in shown["blocks"]]
    assert order.index("plan_times_0") == order.index("plan_date_0") + 1
    assert order.index("plan_times_2") == order.index("plan_date_2") + 1
    line = _blocks_by_id(shown)["plan_times_0"]["elements"][0]["text"]
    assert line == ":large_green_circle: Free for 2 on Fri 16 Aug 2030: 19:00"
    # Choosing again: the same blocks, one line per option, the others gone.
    again = with_free_times({**view, "blocks": shown["blocks"]}, {0: "y"})
    assert [b.get("block_id") for b in again["blocks"]] == [b for b in order if b != "plan_times_2"]
    assert _blocks_by_id(again)["plan_times_0"]["elements"][0]["text"] == "y"
    assert with_free_times(view, {})["blocks"] == view["blocks"]


def test_the_modal_line_says_what_is_free_on_request_or_nothing() -> None:
    on = dt.date(2030, 8, 16)
    assert modal_times_line(on, [], 2) == ":red_circle: Nothing free for 2 on Fri 16 Aug 2030."
    both = modal_times_line(on, [free("20:00"), free("19:00"), free("21:00", enquiry=True)], 2)
    assert both == (
        ":large_green_circle: Free for 2 on Fri 16 Aug 2030: 19:00, 20:00; "
        "on request (the venue confirms): 21:00"
    )
    asked = modal_times_line(on, [free("21:00", enquiry=True)], 2)
    assert asked.startswith(":large_yellow_circle: On request for 2") and "21:00" in asked
    many = [free(f"{h:02}:{m:02}") for h in range(10, 22) for m in (0, 30)]
    line = modal_times_line(on, many, 2)
    assert f"and {len(many) - MODAL_TIMES_SHOWN} more" in line
    hostile = modal_times_line(on, [free("<!channel>"), free("<@U1>")], 2)
    assert_no_raw_markup({"text": hostile})
