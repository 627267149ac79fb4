"""The booking modal's views: loading, the form, "booking…", and the result.

Block and action ids come from `bot.slack.ids` and never change between updates, so Slack
keeps what the user typed when the form is refreshed with new times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    EmailInputElement,
    ExternalDataMultiSelectElement,
    InputBlock,
    NumberInputElement,
    PlainTextInputElement,
    StaticMultiSelectElement,
    StaticSelectElement,
)

from bot.bookable.models import Availability, NoAvailabilityCode, RequestReason, SlotType, Venue
from bot.slack import ids
from bot.slack.blocks.common import (
    actions,
    button,
    context,
    human_date,
    option,
    plain,
    section,
    venue_time,
)
from bot.slack.form import MENU_PREFIX, NAME_MAX, NOTES_MAX, PACKAGE_PREFIX, FormInput
from bot.slack.ids import ModalMeta, SlotChoice, slot_value
from bot.slack.mrkdwn import bold, clip, clip_line
from bot.slack.parsing import MAX_PARTY, MIN_PARTY
from bot.store.records import BookingRecord

SLOT = ids.SLOT.block_id
TITLE = "Book a table"
CHANGE_TITLE = "Change booking"
MAX_VIEW_BLOCKS = 100  # Slack's limit for a modal
MAX_OPTIONS = 100

REQUEST_REASONS = {
    RequestReason.FULLY_BOOKED: "fully booked, the venue will reply",
    RequestReason.EXCEEDS_AUTO_CONFIRM: "large party, needs the venue's OK",
}
NO_AVAILABILITY = {
    NoAvailabilityCode.NO_AVAILABILITY: "No tables are left for that date and party size.",
    NoAvailabilityCode.NO_ELIGIBLE_PRODUCTS: "This can't be booked for that date or party size.",
    NoAvailabilityCode.FILTERED_BY_OPERATOR_RULES: "The venue doesn't take bookings then.",
    NoAvailabilityCode.FILTERED_BY_CAPACITY: "There isn't room for a party that size.",
}


def _view(
    meta: ModalMeta,
    blocks: list[Block],
    *,
    callback_id: str | None = None,
    submit: str | None = None,
    close: str = "Cancel",
    title: str | None = None,
) -> dict[str, Any]:
    # A plain dict, not slack_sdk's `View(...).to_dict()`: that re-validates and re-renders
    # every block (the biggest CPU cost of opening a modal, bench/README.md "Profile"). Its
    # checks hold by construction: texts clipped, ids and metadata bounded, blocks ≤ 100.
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id
        or (ids.CHANGE_CALLBACK if meta.is_change else ids.BOOKING_CALLBACK),
        "title": plain(title or (CHANGE_TITLE if meta.is_change else TITLE), 24).to_dict(),
        "close": plain(close, 24).to_dict(),
        "blocks": [block.to_dict() for block in blocks[:MAX_VIEW_BLOCKS]],
        "private_metadata": meta.encode(),
    }
    if submit:
        view["submit"] = plain(submit, 24).to_dict()
    return view


def heading(meta: ModalMeta) -> str:
    line = bold(clip_line(meta.venue_name, 150)) or "_Venue_"
    if meta.product_name:
        line += " — " + clip_line(meta.product_name, 80)
    if meta.group_name:
        line += "\n" + clip_line(meta.group_name, 100)
    return line


def loading_view(meta: ModalMeta) -> dict[str, Any]:
    """Opened at once (the trigger id expires in 3 s), before any Bookable call."""
    return _view(meta, [section(heading(meta)), context(":hourglass: Loading availability…")])


def progress_view(meta: ModalMeta, text: str = "Booking your table…") -> dict[str, Any]:
    """While Bookable books (or, for an enquiry, passes the enquiry on)."""
    return _view(meta, [section(heading(meta)), context(f":hourglass: {clip(text, 200)}")])


def message_view(meta: ModalMeta, escaped: str) -> dict[str, Any]:
    """A final view with just a message (no submit), e.g. when the form can't be shown."""
    return _view(meta, [section(heading(meta)), section(escaped)], close="Close")


@dataclass
class FormState:
    """Everything the form shows besides the metadata; rebuilt on each refresh."""

    values: FormInput
    availability: Availability | None = None
    venue: Venue | None = None
    notice: str | None = None  # escaped, shown at the top (e.g. Bookable unreachable)
    # Escaped text shown right under an input (by its block id), e.g. "just taken": the
    # way to show a field error after the submission was already acknowledged.
    field_notices: dict[str, str] = field(default_factory=dict)


def notice_block_id(block_id: str) -> str:
    return f"{block_id}_notice"


def slot_label(time: str, slot_type: SlotType, reason: RequestReason | None) -> tuple[str, str]:
    if slot_type is SlotType.REQUEST:
        explanation = REQUEST_REASONS.get(reason) if reason else None
        return f"{time} (enquiry)", explanation or "the venue confirms later"
    return time, ""


def slot_options(availability: Availability, on: date, party: int) -> list[Any]:
    options = []
    for slot in availability.times[:MAX_OPTIONS]:
        if slot.type is SlotType.UNKNOWN:
            continue  # a slot type Bookable added later: we can't book it safely
        label, description = slot_label(slot.time, slot.type, slot.request_reason)
        value = slot_value(slot.time, slot.type.value, on, party)
        options.append(option(label, value, raw_description=description or None))
    return options


def no_availability_text(availability: Availability | None) -> str:
    if availability is not None and availability.no_availability_reason:
        reason = clip(availability.no_availability_reason, 300)
    elif availability is not None and availability.no_availability_code in NO_AVAILABILITY:
        reason = NO_AVAILABILITY[availability.no_availability_code]
    else:
        reason = "No times are available."
    return f":calendar: {reason} Try another date or party size."


def preorder_choices(venue: Venue | None) -> list[tuple[str, str, str | None]]:
    """(value, label, description) for every package and set menu the venue offers."""
    if venue is None or venue.preorders is None:
        return []
    choices: list[tuple[str, str, str | None]] = []
    for package in venue.preorders.packages:
        price = f" ({package.price:g})" if package.price is not None else ""
        choices.append((PACKAGE_PREFIX + package.id, package.name + price, package.type))
    for menu in venue.preorders.menus:
        choices.append((MENU_PREFIX + menu.id, menu.name, "set menu, one per guest"))
    return [c for c in choices if len(c[0]) <= ids.MAX_OPTION_VALUE]


def preorder_options(venue: Venue | None, query: str = "") -> list[Any]:
    """At most 100 options (Slack's cap), filtered by what the user typed."""
    needle = query.casefold().strip()
    return [
        option(text or "Item", value, raw_description=description)
        for value, text, description in preorder_choices(venue)
        if not needle or needle in text.casefold()
    ][:MAX_OPTIONS]


def _preorder_block(venue: Venue | None, chosen: list[str]) -> InputBlock | None:
    choices = preorder_choices(venue)
    if not choices:
        return None
    placeholder = plain("Choose packages or set menus", 150)
    initial = [
        option(text or "Item", value, raw_description=description)
        for value, text, description in choices
        if value in chosen
    ][:MAX_OPTIONS] or None
    element: StaticMultiSelectElement | ExternalDataMultiSelectElement
    if len(choices) <= MAX_OPTIONS:
        element = StaticMultiSelectElement(
            action_id=ids.PREORDERS.action_id,
            placeholder=placeholder,
            options=preorder_options(venue),
            initial_options=initial,
        )
    else:  # more than a static select can hold: the options listener filters them
        element = ExternalDataMultiSelectElement(
            action_id=ids.PREORDERS.action_id,
            placeholder=placeholder,
            initial_options=initial,
            min_query_length=0,
        )
    return InputBlock(
        block_id=ids.PREORDERS.block_id,
        label=plain("Preorder (required by the venue)", 100),
        element=element,
    )


def _when_blocks(meta: ModalMeta, state: FormState) -> tuple[list[Block], date, int]:
    """Heading, notice, date and party size (both reload the times), with the date and
    party size they show."""
    values = state.values
    on = values.date or meta.date or date.today()
    party = min(max(values.party_size() or meta.party or 2, MIN_PARTY), MAX_PARTY)
    blocks: list[Block] = [section(heading(meta))]
    if state.notice:
        blocks.append(context(state.notice, block_id=ids.FORM_NOTICE_BLOCK))
    blocks.append(
        InputBlock(
            block_id=ids.DATE.block_id,
            label=plain("Date", 50),
            element=DatePickerElement(action_id=ids.DATE.action_id, initial_date=on.isoformat()),
            dispatch_action=True,
        )
    )
    blocks.append(
        InputBlock(
            block_id=ids.PARTY.block_id,
            label=plain("Party size", 50),
            hint=plain("Press Enter to reload the times.", 100),
            element=NumberInputElement(
                action_id=ids.PARTY.action_id,
                is_decimal_allowed=False,
                min_value=str(MIN_PARTY),
                max_value=str(MAX_PARTY),
                initial_value=str(party),
            ),
            dispatch_action=True,
        )
    )
    return blocks, on, party


def booking_form(meta: ModalMeta, state: FormState) -> dict[str, Any]:
    values = state.values
    blocks, on, party = _when_blocks(meta, state)
    blocks.extend(_slot_blocks(state, on, party))
    blocks.extend(_guest_blocks(values))
    preorders = _preorder_block(state.venue, values.preorders) if meta.preorder_required else None
    if preorders is not None:
        blocks.append(preorders)
    blocks.extend(_policy_blocks(state.availability))
    submit = submit_label(state.availability, values.slot)
    return _view(meta, _with_field_notices(blocks, state.field_notices), submit=submit)


SUBMIT_BOOK, SUBMIT_ENQUIRY, SUBMIT_EITHER = "Book", "Send enquiry", "Book or enquire"


def submit_label(availability: Availability | None, chosen: str | None) -> str:
    """Never "Book" for an enquiry: the chosen time's kind when known, else what the
    offered times are (all enquiries, all bookable, or some of each)."""
    if chosen:
        try:
            kind = ids.SlotChoice.decode(chosen).type
        except ids.StaleReference:
            kind = None
        if kind == SlotType.REQUEST.value:
            return SUBMIT_ENQUIRY
        if kind == SlotType.BOOK.value:
            return SUBMIT_BOOK
    kinds = {slot.type for slot in availability.times} if availability is not None else set()
    kinds.discard(SlotType.UNKNOWN)
    if kinds == {SlotType.REQUEST}:
        return SUBMIT_ENQUIRY
    return SUBMIT_EITHER if SlotType.REQUEST in kinds else SUBMIT_BOOK


def change_form(meta: ModalMeta, state: FormState) -> dict[str, Any]:
    """The Change modal: date, party size, live times and notes, prefilled with the booking.
    Its current time stays on offer for its own date and party size (the venue counts the
    booking's own table as taken, so availability may not list it)."""
    blocks, on, party = _when_blocks(meta, state)
    blocks.extend(_slot_blocks(state, on, party, current=_current_slot(meta, on, party)))
    blocks.append(_notes_block(state.values))
    blocks.extend(_policy_blocks(state.availability))
    return _view(meta, _with_field_notices(blocks, state.field_notices), submit="Save changes")


def _current_slot(meta: ModalMeta, on: date, party: int) -> Any | None:
    if not meta.time or (meta.date, meta.party) != (on, party):
        return None
    time = clip_line(meta.time, 10)
    return option(f"{time} (current)", slot_value(meta.time, SlotType.BOOK.value, on, party))


def _with_field_notices(blocks: list[Block], notices: dict[str, str]) -> list[Block]:
    """Put each notice right under its input (the slot's is placed by `_slot_blocks`)."""
    placed: list[Block] = []
    for block in blocks:
        placed.append(block)
        block_id = block.block_id if isinstance(block, InputBlock) else None
        if block_id and block_id in notices and block_id != ids.SLOT.block_id:
            warning = ":warning: " + notices[block_id]
            placed.append(context(warning, block_id=notice_block_id(block_id)))
    return placed


def _slot_blocks(state: FormState, on: date, party: int, current: Any = None) -> list[Block]:
    options = slot_options(state.availability, on, party) if state.availability is not None else []
    if current is not None:  # in time order, replacing the same time if listed
        time = SlotChoice.decode(current.value).time
        listed = [o for o in options if SlotChoice.decode(o.value).time != time]
        options = sorted([current, *listed], key=lambda o: SlotChoice.decode(o.value).time)
        options = options[:MAX_OPTIONS]
    blocks: list[Block] = []
    slot_notice = state.field_notices.get(ids.SLOT.block_id)
    if options:
        selected = next((o for o in options if o.value == state.values.slot), None)
        times = state.availability.times if state.availability is not None else []
        enquiry = any(slot.type is SlotType.REQUEST for slot in times)
        blocks.append(
            InputBlock(
                block_id=ids.SLOT.block_id,
                label=plain(f"Time on {human_date(on)} for {party} (venue's local time)", 100),
                hint=plain("Enquiry times are requests: the venue confirms later.", 200)
                if enquiry
                else None,
                element=StaticSelectElement(
                    action_id=ids.SLOT.action_id,
                    placeholder=plain("Choose a time", 150),
                    options=options,
                    initial_option=selected,
                ),
                # With a notice under it ("just taken"), picking a time refreshes the form,
                # which clears the notice that no longer applies.
                dispatch_action=bool(slot_notice),
            )
        )
    elif state.availability is not None:
        blocks.append(section(no_availability_text(state.availability)))
    if slot_notice:
        blocks.append(context(":warning: " + slot_notice, block_id=notice_block_id(SLOT)))
    if slot_notice or not options:
        blocks.append(actions([button("Reload times", ids.RELOAD_TIMES_ACTION, "reload")]))
    return blocks


def _guest_blocks(values: FormInput) -> list[Block]:
    def text_input(target: ids.Field, label: str, value: str, **extra: Any) -> InputBlock:
        optional = extra.pop("optional", None)
        hint = extra.pop("hint", None)
        return InputBlock(
            block_id=target.block_id,
            label=plain(label, 50),
            optional=optional,
            hint=plain(hint, 200) if hint else None,
            element=PlainTextInputElement(
                action_id=target.action_id, initial_value=value or None, **extra
            ),
        )

    return [
        text_input(ids.FIRST_NAME, "First name", values.first_name[:NAME_MAX], max_length=NAME_MAX),
        text_input(ids.LAST_NAME, "Last name", values.last_name[:NAME_MAX], max_length=NAME_MAX),
        InputBlock(
            block_id=ids.EMAIL.block_id,
            label=plain("Email", 50),
            element=EmailInputElement(
                action_id=ids.EMAIL.action_id, initial_value=values.email[:254] or None
            ),
        ),
        text_input(
            ids.PHONE,
            "Phone",
            values.phone[:30],
            hint="International format, e.g. +447700900123",
            max_length=30,
        ),
        _notes_block(values),
    ]


def _notes_block(values: FormInput) -> InputBlock:
    return InputBlock(
        block_id=ids.NOTES.block_id,
        label=plain("Notes for the venue", 50),
        optional=True,
        element=PlainTextInputElement(
            action_id=ids.NOTES.action_id,
            initial_value=values.notes[:NOTES_MAX] or None,
            multiline=True,
            max_length=NOTES_MAX,
        ),
    )


def _policy_blocks(availability: Availability | None) -> list[Block]:
    if availability is None:
        return []
    lines = []
    if availability.deposit:
        lines.append(f"*Deposit:* {availability.deposit:g}")
    if availability.policy:
        lines.append("*Policy:* " + clip(availability.policy, 400))
    if availability.cancellation_policy:
        lines.append("*Cancellation:* " + clip(availability.cancellation_policy, 400))
    return [context("\n".join(lines))] if lines else []


def result_view(meta: ModalMeta, record: BookingRecord, where: str | None) -> dict[str, Any]:
    """After a booking: what happened and where the confirmation was posted."""
    pending = record.status == "pending"
    title = ":incoming_envelope: Enquiry sent" if pending else ":white_check_mark: Booked"
    lines = [
        bold(title),
        f"{bold(human_date(record.date))} at {bold(venue_time(record.time))}, "
        f"party of {record.party_size}",
    ]
    if pending:
        lines.append("The venue will reply; the update is posted in the booking's thread.")
    if record.operator_ref:
        lines.append(f"Venue reference: `{clip_line(record.operator_ref, 60)}`")
    if where:
        lines.append(where)
    return _view(
        meta,
        [section(heading(meta)), section("\n".join(lines))],
        callback_id=ids.RESULT_CALLBACK,
        close="Done",
    )


def change_result_view(meta: ModalMeta, record: BookingRecord, what: str) -> dict[str, Any]:
    """After a change: what changed (escaped) and the booking as it now stands."""
    lines = [
        bold(":white_check_mark: Booking changed"),
        what,
        f"{bold(human_date(record.date))} at {bold(clip_line(record.time, 10))}, "
        f"party of {record.party_size}",
        "The confirmation message is updated, with a note in its thread.",
    ]
    return _view(
        meta,
        [section(heading(meta)), section("\n".join(lines))],
        callback_id=ids.RESULT_CALLBACK,
        close="Done",
    )
