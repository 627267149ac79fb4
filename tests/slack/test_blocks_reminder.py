"""The reminder DM and the calendar links, built directly (pure builders)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.service.calendar import CalendarLinks
from bot.slack import ids
from bot.slack.blocks.booking import booking_message
from bot.slack.blocks.reminder import reminder_message

from .conftest import HOSTILE, make_record
from .flow import buttons, section_text
from .support import assert_no_raw_markup, assert_valid_message, texts

LONDON = ZoneInfo("Europe/London")
START = dt.datetime(2030, 8, 15, 19, 0, tzinfo=LONDON)
LINKS = CalendarLinks(
    ics_url="http://app.example/calendar/abc.ics?exp=1&sig=x",
    google_url="https://calendar.google.com/calendar/render?action=TEMPLATE&text=a%7Cb",
)


def _reminder(**options: object) -> dict:
    values: dict = {
        "starts_at": START,
        "address": "12 Upper St Martin's Lane, London",
        "map_url": "https://www.google.com/maps/search/?api=1&query=12",
        "calendar": LINKS,
        "user_zone": LONDON,
    } | options
    record = values.pop("record", make_record())
    return reminder_message(record, **values)


def test_the_reminder_has_venue_address_map_time_party_links_and_buttons() -> None:
    message = _reminder()
    assert_valid_message(message)
    text = section_text(message)
    assert "*Dishoom Covent Garden*" in text and "*19:00*" in text and "party of 4" in text
    assert "12 Upper St Martin's Lane, London" in text
    # Slack wants & escaped inside link URLs too.
    assert "<https://www.google.com/maps/search/?api=1&amp;query=12|Map>" in text
    assert "<http://app.example/calendar/abc.ics?exp=1&amp;sig=x|Add to calendar (.ics)>" in text
    assert "your time" not in text  # same zone as the venue
    assert buttons(message, ids.CHANGE_ACTION) and buttons(message, ids.CANCEL_ACTION)


def test_the_bookers_own_time_is_added_when_their_zone_differs() -> None:
    text = section_text(_reminder(user_zone=ZoneInfo("America/New_York")))
    assert "*19:00* (14:00 your time)" in text
    text = section_text(_reminder(user_zone=ZoneInfo("Pacific/Auckland")))
    assert "(Fri 06:00 your time)" in text  # the next day over there


def test_without_address_or_links_it_still_reminds() -> None:
    message = _reminder(address=None, map_url=None, calendar=None, user_zone=None)
    assert_valid_message(message)
    text = section_text(message)
    assert "Dishoom Covent Garden" in text and ":round_pushpin:" not in text
    assert "calendar" not in text.lower()


def test_hostile_names_and_addresses_are_escaped() -> None:
    record = make_record(venue_name=HOSTILE, operator_ref=HOSTILE)
    message = _reminder(record=record, address=HOSTILE * 20)
    assert_valid_message(message)
    assert_no_raw_markup(message)
    assert "&lt;!channel&gt;" in texts(message)  # shown, harmless


def test_the_confirmation_carries_the_links_while_the_booking_is_on() -> None:
    on = booking_message(make_record(status="confirmed"), LINKS)
    assert_valid_message(on)
    assert "Add to calendar (.ics)" in section_text(on)
    assert "Google Calendar" in section_text(on)
    off = booking_message(make_record(status="cancelled"), LINKS)
    assert "calendar" not in section_text(off).lower()
    assert booking_message(make_record()) == booking_message(make_record(), None)


def test_a_team_meal_guest_is_reminded_without_change_or_cancel() -> None:
    message = _reminder(guest_of="U_ALICE")
    assert_valid_message(message)
    text = section_text(message)
    assert "the team meal at *Dishoom Covent Garden*, booked by <@U_ALICE>" in text
    assert "Add to calendar" in text
    assert buttons(message, ids.CHANGE_ACTION) == buttons(message, ids.CANCEL_ACTION) == []
