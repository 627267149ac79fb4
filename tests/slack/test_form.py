from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.bookable.models import Availability, SlotType, TimeSlot
from bot.slack import ids
from bot.slack.blocks.modal import FormState, booking_form
from bot.slack.form import (
    FormInput,
    Offered,
    normalize_phone,
    profile_phone,
    read_state,
    validate,
)
from bot.slack.ids import ModalMeta, slot_value

from .conftest import make_venue

TODAY = date(2030, 8, 14)
ON = date(2030, 8, 15)
ALL = Offered(slots=True, preorders=False, preorder_required=False)


def good(**changes: Any) -> FormInput:
    values: dict[str, Any] = {
        "date": ON,
        "party": "4",
        "slot": slot_value("19:00", "book", ON, 4),
        "first_name": "Alice",
        "last_name": "Example",
        "email": "alice@example.com",
        "phone": "+44 7700 900123",
        "notes": "",
    }
    values.update(changes)
    return FormInput(**values)


def state_values(form: FormInput) -> dict[str, Any]:
    """The shape Slack sends in view.state.values."""

    def text(field: ids.Field, value: str) -> dict[str, Any]:
        return {field.block_id: {field.action_id: {"type": "plain_text_input", "value": value}}}

    values: dict[str, Any] = {
        ids.DATE.block_id: {ids.DATE.action_id: {"type": "datepicker",
                                                 "selected_date": form.date.isoformat()}},
        ids.SLOT.block_id: {ids.SLOT.action_id: {"type": "static_select", "selected_option":
                                                 {"value": form.slot} if form.slot else None}},
        ids.PREORDERS.block_id: {ids.PREORDERS.action_id: {
            "type": "multi_static_select",
            "selected_options": [{"value": v} for v in form.preorders]}},
    }  # fmt: skip
    for field, value in (
        (ids.PARTY, form.party or ""),
        (ids.FIRST_NAME, form.first_name),
        (ids.LAST_NAME, form.last_name),
        (ids.EMAIL, form.email),
        (ids.PHONE, form.phone),
        (ids.NOTES, form.notes),
    ):
        values.update(text(field, value))
    return values


def test_read_state_round_trip() -> None:
    form = good(preorders=["p:1", "m:2"], notes="window seat")
    assert read_state(state_values(form)) == form


def test_a_good_form_becomes_a_booking_request() -> None:
    request, errors = validate(good(), today=TODAY, offered=ALL)
    assert errors == {}
    assert request is not None
    assert (request.date, request.time, request.type, request.party_size) == (
        ON, "19:00", SlotType.BOOK, 4,
    )  # fmt: skip
    assert request.phone == "+447700900123"
    assert request.preorders is None and request.notes is None


def test_an_enquiry_slot_makes_a_request_with_preorders() -> None:
    form = good(slot=slot_value("21:00", "request", ON, 4), preorders=["p:wine", "m:set"])
    offered = Offered(slots=True, preorders=True, preorder_required=True)
    request, errors = validate(form, today=TODAY, offered=offered)
    assert errors == {} and request is not None
    assert request.type is SlotType.REQUEST
    body = request.to_json()["preorders"]
    assert body == {"packages": [{"id": "wine", "quantity": 1}],
                    "menus": [{"id": "set", "quantity": 4}]}  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"date": date(2030, 8, 13)}, ids.DATE, "past"),
        ({"date": None}, ids.DATE, "Pick a date"),
        ({"party": "0"}, ids.PARTY, "1 to 50"),
        ({"party": "51"}, ids.PARTY, "1 to 50"),
        ({"party": "2.5"}, ids.PARTY, "1 to 50"),
        ({"email": "alice@"}, ids.EMAIL, "valid email"),
        ({"email": "alice example.com"}, ids.EMAIL, "valid email"),
        ({"phone": "07700 900123"}, ids.PHONE, "country code"),
        ({"phone": "+0123456789"}, ids.PHONE, "country code"),
        ({"phone": "+12345"}, ids.PHONE, "country code"),
        ({"slot": None}, ids.SLOT, "Pick a time"),
        ({"slot": "garbage"}, ids.SLOT, "from the list"),
        ({"slot": slot_value("19:00", "book", ON, 6)}, ids.SLOT, "changed"),
        ({"first_name": ""}, ids.FIRST_NAME, "first name"),
        ({"last_name": "x" * 101}, ids.LAST_NAME, "under 100"),
        ({"notes": "x" * 501}, ids.NOTES, "under 500"),
    ],
)
def test_each_problem_is_reported_under_its_field(
    changes: dict[str, Any], field: ids.Field, fragment: str
) -> None:
    request, errors = validate(good(**changes), today=TODAY, offered=ALL)
    assert request is None
    assert list(errors) == [field.block_id]
    assert fragment in errors[field.block_id]


def test_missing_required_preorder() -> None:
    offered = Offered(slots=True, preorders=True, preorder_required=True)
    _, errors = validate(good(), today=TODAY, offered=offered)
    assert list(errors) == [ids.PREORDERS.block_id]


def test_no_slots_offered_puts_the_error_under_the_date() -> None:
    offered = Offered(slots=False, preorders=False, preorder_required=False)
    _, errors = validate(good(), today=TODAY, offered=offered)
    assert list(errors) == [ids.DATE.block_id]


def test_every_error_key_is_an_input_block_of_the_form() -> None:
    """response_action=errors only works for input blocks' ids."""
    meta = ModalMeta(key="k", composite_id="p", preorder_required=True)
    state = FormState(
        FormInput(date=ON, party="4"),
        availability=Availability(times=[TimeSlot(time="19:00", type="book")]),
        venue=make_venue(0, packages=1),
    )
    inputs = {b["block_id"] for b in booking_form(meta, state)["blocks"] if b["type"] == "input"}
    everything_wrong = FormInput(date=date(2020, 1, 1), party="0", slot=None, email="x",
                                 phone="1", notes="n" * 600, last_name="x" * 200)  # fmt: skip
    offered = Offered(slots=True, preorders=True, preorder_required=True)
    _, errors = validate(everything_wrong, today=TODAY, offered=offered)
    assert len(errors) >= 8
    assert set(errors) <= inputs


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("+44 (0)20-7946.0000", "+440207946" + "0000"), ("0044 7700 900123", "+447700900123")],
)
def test_phone_normalization(raw: str, normalized: str) -> None:
    assert normalize_phone(raw) == normalized


@pytest.mark.parametrize(
    ("typed", "prefilled"),
    [
        ("+44 (0)7700 900-456", "+447700900456"),
        ("0044 7700 900456", "+447700900456"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("07700 900456", ""),  # no country code: left for the person to type
        ("", ""),
    ],
)
def test_a_slack_profile_phone_is_prefilled_only_when_valid(typed: str, prefilled: str) -> None:
    assert profile_phone(typed) == prefilled
