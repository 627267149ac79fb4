from __future__ import annotations

from datetime import date

from bot.bookable.models import Availability, TimeSlot
from bot.slack import ids
from bot.slack.blocks.modal import (
    FormState,
    booking_form,
    loading_view,
    message_view,
    notice_block_id,
    progress_view,
    result_view,
    submit_label,
)
from bot.slack.form import FormInput
from bot.slack.ids import ModalMeta, SlotChoice, slot_value
from bot.slack.mrkdwn import escape

from .conftest import HOSTILE, LONG_HOSTILE, make_record, make_venue
from .support import assert_valid_view, texts

ON = date(2030, 8, 15)


def meta(**changes: object) -> ModalMeta:
    values: dict = {
        "key": "k1",
        "composite_id": "29|CO|a|b",
        "venue_id": "v1",
        "venue_name": "Hawksmoor",
        "product_name": "Dinner",
        "date": ON,
        "party": 4,
    }
    values.update(changes)
    return ModalMeta(**values)


def availability(*slots: TimeSlot, **extra: object) -> Availability:
    return Availability(times=list(slots), **extra)


def block(view: dict, block_id: str) -> dict | None:
    return next((b for b in view["blocks"] if b.get("block_id") == block_id), None)


def test_loading_and_progress_views_have_no_submit() -> None:
    for view in (loading_view(meta()), progress_view(meta()), message_view(meta(), "x")):
        assert_valid_view(view)
        assert "submit" not in view
        assert ModalMeta.decode(view["private_metadata"]).key == "k1"


def test_form_offers_only_live_slots_and_labels_enquiries() -> None:
    slots = availability(
        TimeSlot(time="18:00", type="book"),
        TimeSlot(time="19:00", type="request", requestReason="fully_booked"),
        TimeSlot(time="21:00", type="request", requestReason="exceeds_auto_confirm"),
        TimeSlot(time="22:00", type="brand_new_type"),
    )
    view = booking_form(meta(), FormState(FormInput(date=ON, party="4"), availability=slots))
    assert_valid_view(view)
    options = block(view, ids.SLOT.block_id)["element"]["options"]
    labels = [o["text"]["text"] for o in options]
    assert labels == ["18:00", "19:00 (enquiry)", "21:00 (enquiry)"]
    descriptions = [o.get("description", {}).get("text") for o in options]
    assert descriptions[1] == "fully booked, the venue will reply"
    assert descriptions[2] == "large party, needs the venue's OK"
    assert SlotChoice.decode(options[1]["value"]) == SlotChoice("19:00", "request", ON, 4)


def test_date_and_party_dispatch_actions_and_ids_are_stable() -> None:
    state = FormState(FormInput(date=ON, party="4"), availability=availability())
    first = booking_form(meta(), state)
    state.availability = availability(TimeSlot(time="18:00", type="book"))
    second = booking_form(meta(), state)
    ids_of = [
        [
            (b.get("block_id"), (b.get("element") or {}).get("action_id"))
            for b in v["blocks"]
            if b["type"] == "input"
        ]
        for v in (first, second)
    ]
    assert [i for i in ids_of[0]] == [i for i in ids_of[1] if i[0] != ids.SLOT.block_id]
    assert block(second, ids.DATE.block_id)["dispatch_action"] is True
    assert block(second, ids.PARTY.block_id)["dispatch_action"] is True
    party = block(second, ids.PARTY.block_id)["element"]
    assert (party["min_value"], party["max_value"]) == ("1", "50")


def test_no_availability_explains_why_and_shows_no_slot_select() -> None:
    view = booking_form(
        meta(),
        FormState(
            FormInput(date=ON, party="4"),
            availability=availability(noAvailabilityReason=HOSTILE, noAvailabilityCode="X"),
        ),
    )
    assert_valid_view(view)
    assert block(view, ids.SLOT.block_id) is None
    assert "&lt;!channel&gt;" in texts(view)
    coded = booking_form(
        meta(),
        FormState(
            FormInput(date=ON, party="4"),
            availability=availability(noAvailabilityCode="FILTERED_BY_CAPACITY"),
        ),
    )
    assert "isn't room" in texts(coded)


def test_prefilled_guest_fields() -> None:
    values = FormInput(
        date=ON,
        party="4",
        first_name="Alice",
        last_name="Example",
        email="alice@example.com",
        slot=None,
    )
    view = booking_form(meta(), FormState(values, availability=availability()))
    assert block(view, ids.FIRST_NAME.block_id)["element"]["initial_value"] == "Alice"
    assert block(view, ids.EMAIL.block_id)["element"]["initial_value"] == "alice@example.com"
    assert block(view, ids.DATE.block_id)["element"]["initial_date"] == "2030-08-15"
    assert block(view, ids.NOTES.block_id)["optional"] is True


def test_preorders_appear_only_when_the_product_requires_them() -> None:
    venue = make_venue(0, packages=3, menus=2)
    values = FormInput(date=ON, party="4")
    plain = booking_form(meta(), FormState(values, availability=availability(), venue=venue))
    assert block(plain, ids.PREORDERS.block_id) is None
    required = booking_form(
        meta(preorder_required=True), FormState(values, availability=availability(), venue=venue)
    )
    assert_valid_view(required)
    element = block(required, ids.PREORDERS.block_id)["element"]
    assert element["type"] == "multi_static_select"
    assert [o["value"] for o in element["options"]] == [
        "p:pkg0",
        "p:pkg1",
        "p:pkg2",
        "m:menu0",
        "m:menu1",
    ]


def test_more_than_a_hundred_preorders_use_an_external_select() -> None:
    venue = make_venue(0, packages=150)
    view = booking_form(
        meta(preorder_required=True),
        FormState(
            FormInput(date=ON, party="2", preorders=["p:pkg149"]),
            venue=venue,
            availability=availability(),
        ),
    )
    assert_valid_view(view)
    element = block(view, ids.PREORDERS.block_id)["element"]
    assert element["type"] == "multi_external_select"
    assert [o["value"] for o in element["initial_options"]] == ["p:pkg149"]


def test_notices_appear_under_their_inputs() -> None:
    state = FormState(
        FormInput(date=ON, party="4"),
        availability=availability(TimeSlot(time="18:00", type="book")),
        notice="Bookable is slow",
        field_notices={ids.SLOT.block_id: "That time was just taken", ids.DATE.block_id: "Closed"},
    )
    view = booking_form(meta(), state)
    assert_valid_view(view)
    order = [b.get("block_id") for b in view["blocks"]]
    assert order.index(notice_block_id(ids.SLOT.block_id)) == order.index(ids.SLOT.block_id) + 1
    assert order.index(notice_block_id(ids.DATE.block_id)) == order.index(ids.DATE.block_id) + 1
    assert ids.FORM_NOTICE_BLOCK in order
    assert any(
        e.get("action_id") == ids.RELOAD_TIMES_ACTION
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    )


def test_hostile_everything_still_validates() -> None:
    venue = make_venue(0, name=LONG_HOSTILE, packages=5, text=LONG_HOSTILE)
    slots = availability(
        *[
            TimeSlot(time=f"{h:02d}:{m:02d}", type="request", requestReason="fully_booked")
            for h in range(24)
            for m in (0, 15, 30, 45)
        ]
        * 2,
        policy=LONG_HOSTILE * 5,
        cancellationPolicy=LONG_HOSTILE,
        deposit=10,
    )
    values = FormInput(
        date=ON,
        party="99",
        first_name=LONG_HOSTILE,
        last_name=LONG_HOSTILE,
        email=LONG_HOSTILE,
        phone=LONG_HOSTILE,
        notes=LONG_HOSTILE * 3,
    )
    view = booking_form(
        meta(
            venue_name=LONG_HOSTILE,
            product_name=LONG_HOSTILE,
            group_name=LONG_HOSTILE,
            preorder_required=True,
        ),
        FormState(values, availability=slots, venue=venue, notice=escape(HOSTILE)),
    )
    assert_valid_view(view)
    assert len(block(view, ids.SLOT.block_id)["element"]["options"]) == 100
    assert block(view, ids.PARTY.block_id)["element"]["initial_value"] == "50"


def test_result_view_for_a_booking_and_an_enquiry() -> None:
    booked = result_view(meta(), make_record(status="confirmed"), "Posted in <#C1>.")
    assert_valid_view(booked)
    assert "Booked" in texts(booked) and "submit" not in booked
    enquiry = result_view(meta(), make_record(status="pending", operator_ref=HOSTILE), None)
    assert_valid_view(enquiry)
    assert "Enquiry sent" in texts(enquiry)


def test_the_submit_button_never_says_book_for_an_enquiry() -> None:
    book = TimeSlot(time="18:00", type="book")
    ask = TimeSlot(time="19:00", type="request", requestReason="fully_booked")
    on = date(2030, 8, 15)
    assert submit_label(availability(book), None) == "Book"
    assert submit_label(availability(ask), None) == "Send enquiry"
    assert submit_label(availability(book, ask), None) == "Book or enquire"
    assert submit_label(availability(book, ask), slot_value("19:00", "request", on, 2)) == (
        "Send enquiry"
    )
    assert submit_label(availability(book, ask), slot_value("18:00", "book", on, 2)) == "Book"
    assert submit_label(None, "forged") == "Book"
