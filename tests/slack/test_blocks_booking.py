from __future__ import annotations

import datetime as dt

import pytest

from bot.slack import ids
from bot.slack.blocks.booking import booking_message
from bot.slack.blocks.bookings import my_bookings
from bot.slack.blocks.common import moment, venue_time
from bot.slack.parsing import parse_status
from bot.slack.statuses import STATUSES, shown_status

from .conftest import HOSTILE, make_record
from .flow import buttons
from .support import assert_valid_message, texts


def _cancel_buttons(message: dict) -> list[dict]:
    return buttons(message, ids.CANCEL_ACTION)


@pytest.mark.parametrize("status", ["confirmed", "pending"])
def test_cancellable_bookings_have_a_cancel_button_with_a_confirm_dialog(status: str) -> None:
    message = booking_message(make_record(status=status))
    assert_valid_message(message)
    [cancel] = _cancel_buttons(message)
    assert cancel["value"] == make_record().booking_id
    assert cancel["confirm"]["title"]["text"]
    assert cancel["style"] == "danger"


@pytest.mark.parametrize("status", ["cancelled", "completed", "no_show"])
def test_final_bookings_have_no_cancel_button(status: str) -> None:
    message = booking_message(make_record(status=status))
    assert_valid_message(message)
    assert _cancel_buttons(message) == []


def test_the_message_shows_what_where_when_and_the_status() -> None:
    message = booking_message(make_record(status="pending"))
    shown = texts(message)
    for fragment in (
        "Dishoom Covent Garden",
        "Thu 15 Aug 2030",
        "19:00",
        "party of 4",
        "Pending",
        "BKA-7X2P",
        "<@U_ALICE>",
    ):
        assert fragment in shown, fragment


def test_hostile_names_and_references_are_escaped() -> None:
    record = make_record(
        venue_name=HOSTILE * 10,
        product_name=HOSTILE,
        venue_group=HOSTILE * 10,
        operator_ref=HOSTILE,
        status="<!here>",
    )
    message = booking_message(record)
    assert_valid_message(message)
    assert "<!here>" not in texts(message)


def test_unknown_status_is_shown_plainly() -> None:
    message = booking_message(make_record(status="on_hold"))
    assert "On hold" in texts(message)


def test_my_bookings_lists_each_with_its_own_cancel_button() -> None:
    records = [make_record(booking_id=f"b{i}", status="confirmed") for i in range(60)]
    records[1] = make_record(booking_id="b1", status="cancelled")
    message = my_bookings(records)
    assert_valid_message(message)
    buttons = _cancel_buttons(message)
    assert len({b["action_id"] for b in buttons}) == len(buttons)
    assert "b1" not in {b["value"] for b in buttons}


def test_my_bookings_when_there_are_none() -> None:
    message = my_bookings([], notice="Cancelled: *x*")
    assert_valid_message(message)
    assert "no bookings" in texts(message)


def test_booking_times_are_labelled_venue_time_and_moments_follow_the_reader() -> None:
    assert venue_time("19:00:00") == "19:00 venue time"
    at = dt.datetime(2030, 8, 15, 18, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    token = moment(at)
    assert token == (
        f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|2030-08-15 16:30 UTC>"
    )
    assert moment(at.replace(tzinfo=None)).endswith("|2030-08-15 18:30 UTC>")  # naive is UTC
    shown = booking_message(make_record(time="19:00"))
    assert "19:00 venue time" in shown["text"] and "19:00 venue time" in str(shown["blocks"])


def test_statuses_a_message_shows_can_all_be_subscribed_to() -> None:
    for status in STATUSES:
        assert parse_status(status) == status
    assert shown_status("cancelled", "pending") == "declined"
    assert shown_status("cancelled", "pending", cancelled_here=True) == "cancelled"
    assert shown_status("cancelled", "confirmed") == "cancelled"
    assert shown_status("Confirmed", None) == "confirmed"


def test_my_bookings_say_when_each_was_made_in_the_readers_zone() -> None:
    made = dt.datetime(2030, 8, 1, 12, 0, tzinfo=dt.UTC)
    listed = my_bookings([make_record(created_at=made), make_record(booking_id="29|CO|x")])
    assert_valid_message(listed)
    sections = [b["text"]["text"] for b in listed["blocks"] if b["type"] == "section"]
    first, second = (s for s in sections if "venue time" in s)
    assert f"made <!date^{int(made.timestamp())}^" in first and "made" not in second
    assert "19:00 venue time" in first
