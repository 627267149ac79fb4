"""The booking modal's values: read them from `view.state` and validate them server-side.

Pure functions. Validation errors are keyed by INPUT block ids, which is what
`ack(response_action="errors", errors=...)` requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.bookable.models import BookingRequest, PreorderChoice, PreorderSelection, SlotType
from bot.service.changes import ChangeRequest
from bot.slack import ids
from bot.slack.ids import SlotChoice, notes_digest
from bot.slack.parsing import MAX_PARTY, MIN_PARTY

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
NAME_MAX = 100
NOTES_MAX = 500
PACKAGE_PREFIX, MENU_PREFIX = "p:", "m:"


@dataclass
class FormInput:
    """What the user entered (raw), e.g. to rebuild the form after a failed booking."""

    date: date | None = None
    party: str | None = None
    slot: str | None = None
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    notes: str = ""
    preorders: list[str] = field(default_factory=list)

    def party_size(self) -> int | None:
        text = (self.party or "").strip()
        return int(text) if text.isdigit() else None


def _element(values: dict[str, Any], target: ids.Field) -> dict[str, Any]:
    # Slack's shapes are not guaranteed: anything else counts as "not filled in".
    block = values.get(target.block_id) if isinstance(values, dict) else None
    element = block.get(target.action_id) if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def text_value(values: dict[str, Any], target: ids.Field) -> str:
    value = _element(values, target).get("value")
    return value.strip() if isinstance(value, str) else ""


def selected_date(values: dict[str, Any], target: ids.Field) -> date | None:
    picked = _element(values, target).get("selected_date")
    try:
        return date.fromisoformat(picked) if isinstance(picked, str) else None
    except ValueError:
        return None


def read_state(values: dict[str, Any]) -> FormInput:
    """`values` is `view["state"]["values"]` from a view_submission or block_actions."""
    on = selected_date(values, ids.DATE)
    option = _element(values, ids.SLOT).get("selected_option")
    slot = option.get("value") if isinstance(option, dict) else None
    chosen = _element(values, ids.PREORDERS).get("selected_options")
    chosen = chosen if isinstance(chosen, list) else []
    return FormInput(
        date=on,
        party=text_value(values, ids.PARTY) or None,
        slot=slot if isinstance(slot, str) else None,
        first_name=text_value(values, ids.FIRST_NAME),
        last_name=text_value(values, ids.LAST_NAME),
        email=text_value(values, ids.EMAIL),
        phone=text_value(values, ids.PHONE),
        notes=text_value(values, ids.NOTES),
        preorders=[
            o["value"] for o in chosen if isinstance(o, dict) and isinstance(o.get("value"), str)
        ],
    )


def normalize_phone(raw: str) -> str:
    """Drop spaces, dashes, dots and brackets people type; `00` becomes `+`."""
    compact = _PHONE_PUNCTUATION.sub("", raw)
    return "+" + compact[2:] if compact.startswith("00") else compact


def profile_phone(raw: str) -> str:
    """A Slack profile's phone as the form's initial value: international format, the
    "(0)" of UK-style numbers dropped; "" when it can't be made valid (the field stays
    empty rather than start with an error)."""
    phone = normalize_phone(raw.replace("(0)", ""))
    return phone if E164.match(phone) else ""


@dataclass(frozen=True)
class Offered:
    """Which optional inputs the form showed (only those can be required)."""

    slots: bool
    preorders: bool
    preorder_required: bool


def validate(
    form: FormInput, *, today: date, offered: Offered
) -> tuple[BookingRequest | None, dict[str, str]]:
    """A booking request, or errors by input block id (never both)."""
    errors: dict[str, str] = {}
    party = _check_when(form, today, errors)
    slot = _check_slot(form, party, offered, errors)
    for target, value, label in (
        (ids.FIRST_NAME, form.first_name, "first name"),
        (ids.LAST_NAME, form.last_name, "last name"),
    ):
        if not value:
            errors[target.block_id] = f"Enter a {label}."
        elif len(value) > NAME_MAX:
            errors[target.block_id] = f"Keep the {label} under {NAME_MAX} characters."
    if not EMAIL.match(form.email) or len(form.email) > 254:
        errors[ids.EMAIL.block_id] = "Enter a valid email address, like name@example.com."
    phone = normalize_phone(form.phone)
    if not E164.match(phone):
        # The input's hint already shows an example: the error doesn't repeat it.
        errors[ids.PHONE.block_id] = "Start with + and the country code."
    if len(form.notes) > NOTES_MAX:
        errors[ids.NOTES.block_id] = f"Keep notes under {NOTES_MAX} characters."
    if offered.preorders and offered.preorder_required and not form.preorders:
        errors[ids.PREORDERS.block_id] = "This venue needs a preorder — choose at least one."
    if errors or slot is None or party is None or form.date is None:
        return None, errors
    request = BookingRequest(
        firstName=form.first_name,
        lastName=form.last_name,
        email=form.email,
        phone=phone,
        partySize=party,
        date=form.date,
        time=slot.time,
        type=SlotType(slot.type),
        notes=form.notes or None,
        preorders=preorder_selection(form.preorders, party),
    )
    return request, {}


def _check_when(form: FormInput, today: date, errors: dict[str, str]) -> int | None:
    """The date (today or later) and party size; errors added under their inputs."""
    if form.date is None:
        errors[ids.DATE.block_id] = "Pick a date."
    elif form.date < today:
        errors[ids.DATE.block_id] = "That date is in the past — pick today or a later date."
    party = form.party_size()
    if party is None or not MIN_PARTY <= party <= MAX_PARTY:
        errors[ids.PARTY.block_id] = (
            f"Party size must be a whole number from {MIN_PARTY} to {MAX_PARTY}."
        )
    return party


def _check_slot(
    form: FormInput, party: int | None, offered: Offered, errors: dict[str, str]
) -> SlotChoice | None:
    if not offered.slots:
        if ids.DATE.block_id not in errors:
            errors[ids.DATE.block_id] = (
                "No times are available for this date and party size — try another."
            )
        return None
    if not form.slot:
        errors[ids.SLOT.block_id] = "Pick a time."
        return None
    try:
        slot = SlotChoice.decode(form.slot)
    except ValueError:
        errors[ids.SLOT.block_id] = "Pick a time from the list."
        return None
    if slot.type not in (SlotType.BOOK.value, SlotType.REQUEST.value):
        errors[ids.SLOT.block_id] = "That time can't be booked — pick another."
        return None
    settled = ids.DATE.block_id not in errors and ids.PARTY.block_id not in errors
    if settled and (slot.date, slot.party) != (form.date, party):
        errors[ids.SLOT.block_id] = (
            "The times changed with the date or party size — pick a time again."
        )
        return None
    return slot


def validate_change(
    form: FormInput, *, today: date, slots_offered: bool, opened_notes: str | None
) -> tuple[ChangeRequest | None, dict[str, str]]:
    """A change request from the Change modal, or errors by input block id (never both).
    `opened_notes` is the digest of the notes the modal opened with (`ModalMeta`)."""
    errors: dict[str, str] = {}
    party = _check_when(form, today, errors)
    offered = Offered(slots=slots_offered, preorders=False, preorder_required=False)
    slot = _check_slot(form, party, offered, errors)
    if slot is not None and slot.type != SlotType.BOOK.value:
        errors[ids.SLOT.block_id] = (
            "That time only takes enquiries; a booking can move to an instant time only."
        )
    if len(form.notes) > NOTES_MAX:
        errors[ids.NOTES.block_id] = f"Keep notes under {NOTES_MAX} characters."
    if errors or slot is None or party is None or form.date is None:
        return None, errors
    return ChangeRequest(
        date=form.date,
        time=slot.time,
        party_size=party,
        notes=form.notes,
        notes_changed=notes_digest(form.notes) != opened_notes,
    ), {}


def preorder_selection(values: list[str], party: int) -> PreorderSelection | None:
    """Packages are ordered once; a set menu is ordered for every guest."""
    packages = [v.removeprefix(PACKAGE_PREFIX) for v in values if v.startswith(PACKAGE_PREFIX)]
    menus = [v.removeprefix(MENU_PREFIX) for v in values if v.startswith(MENU_PREFIX)]
    if not packages and not menus:
        return None
    return PreorderSelection(
        packages=[PreorderChoice(id=p, quantity=1) for p in packages],
        menus=[PreorderChoice(id=m, quantity=party) for m in menus],
    )
