from __future__ import annotations

import pytest

from bot.slack import ids
from bot.slack.blocks.booking import booking_message
from bot.slack.blocks.bookings import my_bookings

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
