"""The team meal plan's modal, channel message and notes, built directly (pure builders)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from bot.service.calendar import CalendarLinks
from bot.slack import ids
from bot.slack.blocks.plan import (
    NAMES_SHOWN,
    booked_dm,
    party_refused_note,
    plan_message,
    plan_modal,
    slot_gone_note,
    who_is_in,
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
    for action in (ids.PLAN_CANT_ACTION, ids.PLAN_WHO_ACTION, ids.PLAN_BOOK_ACTION):
        assert [b["value"] for b in buttons(message, action)] == [PLAN_ID]


def test_hostile_names_and_note_are_escaped() -> None:
    hostile = PlanOption(0, "29|CO|a|b", LONG_HOSTILE, HOSTILE, dt.date(2030, 8, 16), "19:00")
    message = plan_message(make_plan(note=LONG_HOSTILE * 3, options=(hostile,)))
    assert_valid_message(message)
    assert "&lt;!channel&gt;" in section_text(message)
    gone = slot_gone_note(make_plan(options=(hostile,)), hostile, 4, None)
    assert_no_raw_markup({"text": gone})


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
    everyone = who_is_in(plan)
    assert_valid_message(everyone)
    assert all(f"<@U_V{n:03}>" in section_text(everyone) for n in range(100))


def test_book_it_goes_once_booked_and_every_button_once_closed() -> None:
    booked = make_plan(state="booked", booked_position=1, booking_id="bk", votes={"U_V1": 1})
    message = plan_message(booked)
    assert buttons(message, ids.PLAN_BOOK_ACTION) == []
    assert len(buttons(message, ids.PLAN_VOTE_ACTION)) == 2  # joining still counts
    assert ":white_check_mark: *Booked*" in section_text(message)
    closed = plan_message(dataclasses.replace(booked, state="closed"))
    assert buttons(closed, ids.PLAN_VOTE_ACTION) == buttons(closed, ids.PLAN_CANT_ACTION) == []


def test_a_gone_option_loses_its_button() -> None:
    plan = make_plan()
    gone = (dataclasses.replace(plan.options[0], gone=True), plan.options[1])
    message = plan_message(make_plan(options=gone))
    assert [b["value"] for b in buttons(message, ids.PLAN_VOTE_ACTION)] == [f"{PLAN_ID}:1"]
    assert "No longer available" in section_text(message)


def test_notes_name_the_organiser_and_the_option() -> None:
    plan = make_plan()
    first, second = plan.options
    assert "Press *Book it* to book the next option, *Hawksmoor*" in slot_gone_note(
        plan, first, 5, second
    )
    assert "cannot seat 9" in party_refused_note(plan, first, 9, 4)


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
