"""The booking confirmation message. The notifier calls `booking_message` to `chat.update`
it when the status changes, so the signature stays `booking_message(record) -> dict`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.slack import ids
from bot.slack.blocks.common import (
    actions,
    button,
    confirm_dialog,
    context,
    human_date,
    message,
    section,
    venue_time,
)
from bot.slack.mrkdwn import bold, clip, clip_line, escape
from bot.slack.statuses import PENDING, is_final, status_line
from bot.store.records import BookingRecord

if TYPE_CHECKING:
    from bot.service.calendar import CalendarLinks


def is_cancellable(record: BookingRecord) -> bool:
    return not is_final(record.status)


def cancel_button(record: BookingRecord, action_id: str = ids.CANCEL_ACTION) -> Any | None:
    if not is_cancellable(record) or len(record.booking_id) > ids.MAX_BUTTON_VALUE:
        return None
    question = (
        f"Cancel the booking at {bold(clip_line(record.venue_name, 120))} on "
        f"{human_date(record.date)} at {venue_time(record.time)}? The venue is told at once."
    )
    return button(
        "Cancel booking",
        action_id,
        record.booking_id,
        style="danger",
        confirm=confirm_dialog("Cancel this booking?", question, "Cancel booking", "Keep it"),
    )


def change_button(record: BookingRecord, action_id: str = ids.CHANGE_ACTION) -> Any | None:
    """Opens the change modal; offered while the booking can still be cancelled."""
    if not is_cancellable(record) or len(record.booking_id) > ids.MAX_BUTTON_VALUE:
        return None
    return button("Change", action_id, record.booking_id)


def manage_buttons(record: BookingRecord, suffix: str = "") -> list[Any]:
    """Change and Cancel, while the booking is open (none once it is final). `suffix`
    (e.g. ":3") keeps action ids unique where several bookings are listed."""
    found = [
        change_button(record, ids.CHANGE_ACTION + suffix),
        cancel_button(record, ids.CANCEL_ACTION + suffix),
    ]
    return [element for element in found if element is not None]


def summary(record: BookingRecord) -> str:
    """Venue, date, time and party, escaped, on two lines."""
    what = bold(clip_line(record.venue_name, 150)) or "_Venue_"
    if record.product_name:
        what += " — " + clip_line(record.product_name, 80)
    when = (
        f"{bold(human_date(record.date))} at {bold(venue_time(record.time))} · "
        f"party of {record.party_size}"
    )
    return f"{what}\n{when}"


def link(url: str, escaped_label: str) -> str:
    """A mrkdwn link: Slack wants `&`, `<`, `>` escaped in the URL too (no `|` left after
    percent-encoding)."""
    return f"<{escape(url)}|{escaped_label}>"


def calendar_line(links: CalendarLinks) -> str:
    return (
        f":calendar: {link(links.ics_url, 'Add to calendar (.ics)')} · "
        f"{link(links.google_url, 'Google Calendar')}"
    )


def booking_message(record: BookingRecord, calendar: CalendarLinks | None = None) -> dict[str, Any]:
    """`calendar`: the booking's "Add to calendar" links, when it has them."""
    status = status_line(record.status)
    lines = [summary(record), f"Status: {status}"]
    if record.operator_ref:
        lines.append(f"Venue reference: `{clip_line(record.operator_ref, 60)}`")
    # An enquiry is no booking until the venue says yes.
    verb = "Enquiry sent" if record.status == PENDING else "Booked"
    footer = [f"{verb} by <@{clip(record.user_id, 40)}> through Bookable"]
    if record.venue_group:
        footer.append(clip_line(record.venue_group, 100))
    blocks: list[Any] = [section("\n".join(lines))]
    if controls := manage_buttons(record):
        blocks.append(actions(controls))
    if calendar is not None and is_cancellable(record):
        blocks.append(context(calendar_line(calendar)))
    blocks.append(context(" · ".join(footer)))
    text = (
        f"Booking at {clip_line(record.venue_name, 100)} on {human_date(record.date)} at "
        f"{venue_time(record.time)} for {record.party_size}: {status}"
    )
    return message(text, blocks)


def posted_here_instead(channel_id: str, *, bot_not_in_channel: bool) -> dict[str, Any]:
    """The booker's DM, under a confirmation that could not go to the search's channel:
    why, and how to have the next ones posted there."""
    channel = f"<#{clip(channel_id, 40)}>"
    if bot_not_in_channel:
        text = (
            f":information_source: I sent this here because I'm not a member of {channel}. "
            f"To get confirmations there, type `/invite @Bookable` in {channel}."
        )
    else:
        text = f":information_source: I sent this here because I can't post in {channel}."
    return message(text, [context(text)])
