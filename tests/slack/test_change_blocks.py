"""The Change modal, the change note, Change buttons, the change form's validation and the
JSON Patch a change sends: pure functions, tested directly."""

from __future__ import annotations

from datetime import date

import pytest

from bot.bookable.models import TimeSlot
from bot.service.changes import ChangeRequest, patch_ops
from bot.slack import ids
from bot.slack.blocks.bookings import my_bookings
from bot.slack.blocks.changes import change_note
from bot.slack.blocks.modal import FormState, change_form
from bot.slack.form import FormInput, validate_change
from bot.slack.ids import ModalMeta, SlotChoice, notes_digest, slot_value
from bot.store.records import BookingDetails

from .conftest import HOSTILE, make_record
from .flow import buttons
from .support import assert_valid_message, assert_valid_view, texts
from .test_blocks_modal import ON, availability, block, meta

TODAY = date(2030, 8, 1)


def change_meta(**changes: object) -> ModalMeta:
    return meta(booking_id="29|CO|x", time="19:00", notes_digest=notes_digest(""), **changes)


def test_the_change_form_is_prefilled_and_keeps_the_current_time_on_offer() -> None:
    # The venue counts the booking's own table, so 19:00 may be missing from availability.
    values = FormInput(date=ON, party="4", slot=slot_value("19:00", "book", ON, 4), notes="x")
    state = FormState(values, availability(TimeSlot(time="20:00", type="book")))
    view = change_form(change_meta(), state)
    assert_valid_view(view)
    assert view["callback_id"] == ids.CHANGE_CALLBACK
    assert view["title"]["text"] == "Change booking" and view["submit"]["text"] == "Save changes"
    element = block(view, ids.SLOT.block_id)["element"]
    assert [o["text"]["text"] for o in element["options"]] == ["19:00 (current)", "20:00"]
    assert SlotChoice.decode(element["initial_option"]["value"]).time == "19:00"
    assert block(view, ids.NOTES.block_id)["element"]["initial_value"] == "x"
    for guest in (ids.FIRST_NAME, ids.EMAIL, ids.PHONE, ids.PREORDERS):
        assert block(view, guest.block_id) is None


def test_another_party_size_offers_only_live_times() -> None:
    values = FormInput(date=ON, party="6")
    state = FormState(values, availability(TimeSlot(time="20:00", type="book")))
    element = block(change_form(change_meta(), state), ids.SLOT.block_id)["element"]
    assert [o["text"]["text"] for o in element["options"]] == ["20:00"]


def test_the_change_note_says_who_and_what_changed() -> None:
    before = BookingDetails(date(2030, 8, 15), "19:00", 4)
    after = BookingDetails(date(2030, 8, 16), "20:00", 6)
    note = change_note(before, after, user_id="U_ALICE", notes_changed=True)
    assert_valid_message(note)
    assert note["text"] == (
        ":memo: Changed by <@U_ALICE>: Thu 15 Aug 2030 → Fri 16 Aug 2030, "
        "19:00 → 20:00, party 4 → 6, notes updated"
    )
    assert (
        "Changed by the venue: party 4 → 6"
        in change_note(before, BookingDetails(before.date, "19:00", 6), user_id=None)["text"]
    )


def test_open_bookings_offer_change_and_cancel_final_ones_neither() -> None:
    listing = my_bookings(
        [make_record(), make_record(booking_id="b2", status="cancelled", venue_name=HOSTILE)]
    )
    assert_valid_message(listing)
    assert [b["value"] for b in buttons(listing, ids.CHANGE_ACTION)] == [make_record().booking_id]
    assert len(buttons(listing, ids.CANCEL_ACTION)) == 1
    assert "<!channel>" not in texts(listing)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (FormInput(date=date(2030, 7, 1), party="4"), ids.DATE.block_id),
        (FormInput(date=ON, party="0"), ids.PARTY.block_id),
        (FormInput(date=ON, party="4"), ids.SLOT.block_id),  # no time picked
        (FormInput(date=ON, party="4", slot=slot_value("19:00", "book", ON, 2)), ids.SLOT.block_id),
        (
            FormInput(date=ON, party="4", slot=slot_value("21:00", "request", ON, 4)),
            ids.SLOT.block_id,
        ),
        (FormInput(date=ON, party="4", slot="forged"), ids.SLOT.block_id),
    ],
)
def test_change_form_errors_are_under_their_input(values: FormInput, field: str) -> None:
    request, errors = validate_change(
        values, today=TODAY, slots_offered=True, opened_notes=notes_digest("")
    )
    assert request is None and field in errors


def test_a_valid_change_knows_whether_the_notes_were_edited() -> None:
    values = FormInput(date=ON, party="6", slot=slot_value("20:00", "book", ON, 6), notes="hi")
    request, errors = validate_change(
        values, today=TODAY, slots_offered=True, opened_notes=notes_digest("hi")
    )
    assert errors == {}
    assert request == ChangeRequest(ON, "20:00", 6, "hi", notes_changed=False)
    edited, _ = validate_change(
        values, today=TODAY, slots_offered=True, opened_notes=notes_digest("")
    )
    assert edited is not None and edited.notes_changed


def test_a_change_patches_only_documented_paths_that_differ() -> None:
    record = make_record(date=ON, time="19:00", party_size=4)
    request = ChangeRequest(ON, "20:00", 6, "window", notes_changed=True)
    ops = [(op.op, op.path, op.value) for op in patch_ops(record, request)]
    assert ops == [
        ("replace", "/time", "20:00"),
        ("replace", "/partySize", 6),
        ("replace", "/notes", "window"),
    ]
    assert patch_ops(record, ChangeRequest(ON, "19:00", 4)) == []
