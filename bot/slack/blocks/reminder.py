"""The reminder DM: venue, address and map link, time (the venue's, and the reader's own
when their zone differs), party size, the calendar links, and Change/Cancel (the booker's
only; a team meal's guests get the same reminder without them)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.slack.blocks.booking import calendar_line, cancel_button, change_button, link
from bot.slack.blocks.common import actions, context, human_date, message, section
from bot.slack.mrkdwn import bold, clip, clip_line
from bot.store.records import BookingRecord

if TYPE_CHECKING:
    from bot.service.calendar import CalendarLinks

ADDRESS_LIMIT = 300


def local_time(starts_at: dt.datetime, user_zone: ZoneInfo | None) -> str:
    """The booker's own time, e.g. " (18:00 your time)", when their zone differs; else ""."""
    if user_zone is None:
        return ""
    theirs = starts_at.astimezone(user_zone)
    if theirs.utcoffset() == starts_at.utcoffset():
        return ""
    day = "" if theirs.date() == starts_at.date() else f"{theirs:%a} "
    return f" ({day}{theirs:%H:%M} your time)"


def reminder_message(
    record: BookingRecord,
    *,
    starts_at: dt.datetime,
    address: str | None,
    map_url: str | None,
    calendar: CalendarLinks | None,
    user_zone: ZoneInfo | None,
    guest_of: str | None = None,
) -> dict[str, Any]:
    """`starts_at` is the booking's start in the venue's zone; untrusted strings are
    escaped here. `guest_of`: the booker's user id when this reminder goes to someone else
    at the table (a team meal's guest), who gets no Change or Cancel (only the booker may)."""
    venue = bold(clip_line(record.venue_name, 150)) or "_your venue_"
    when = (
        f"{bold(human_date(record.date))} at {bold(clip_line(record.time, 10))}"
        f"{local_time(starts_at, user_zone)} · party of {record.party_size}"
    )
    lines = [
        f":alarm_clock: Reminder: the team meal at {venue}, booked by <@{clip(guest_of, 40)}>"
        if guest_of
        else f":alarm_clock: Reminder: your table at {venue}",
        when,
    ]
    if address:
        where = clip(address, ADDRESS_LIMIT)
        lines.append(f":round_pushpin: {where}" + (f" · {link(map_url, 'Map')}" if map_url else ""))
    if record.operator_ref:
        lines.append(f"Venue reference: `{clip_line(record.operator_ref, 60)}`")
    blocks: list[Any] = [section("\n".join(lines))]
    if calendar is not None:
        blocks.append(context(calendar_line(calendar)))
    buttons = (
        []
        if guest_of
        else [b for b in (change_button(record), cancel_button(record)) if b is not None]
    )
    if buttons:
        blocks.append(actions(buttons))
    text = (
        f"Reminder: {clip_line(record.venue_name, 100)} on {human_date(record.date)} at "
        f"{clip_line(record.time, 10)} for {record.party_size}"
    )
    return message(text, blocks)
