"""Block Kit for booking status updates: thread replies, DM fallbacks, channel notices.

Pure functions returning `chat.postMessage` arguments (`text` fallback + `blocks`). Every
string that came from Bookable (statuses, reasons, venue names, references) is untrusted
and goes through `bot.slack.mrkdwn` before it reaches Slack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block

from bot.slack.blocks.common import context, human_date, message, moment, section, venue_time
from bot.slack.mrkdwn import bold, clip_line
from bot.slack.statuses import status_emoji, status_key, status_label

REASON_LIMIT = 500
NAME_LIMIT = 150

LATE_NOTE = "Earlier update, received late: the booking message already shows a newer status."


@dataclass(frozen=True)
class StatusChange:
    """One status update as it will be shown; `old` is None when nothing came before."""

    new: str
    old: str | None = None
    reason: str | None = None
    late: bool = False
    changed_at: dt.datetime | None = None

    @property
    def changed(self) -> bool:
        return bool(self.old) and status_key(self.old or "") != status_key(self.new)


def _transition(change: StatusChange, *, emphasis: bool) -> str:
    new = status_label(change.new)
    if emphasis:
        new = bold(new)
    if change.changed:
        return f"{status_label(change.old or '')} → {new}"
    return new


def _notes(change: StatusChange) -> list[str]:
    notes: list[str] = []
    if change.late:
        notes.append(LATE_NOTE)
    if change.changed_at is not None:
        notes.append(f"Updated by the venue {moment(change.changed_at)}")
    return notes


def _build(
    prefix: str, change: StatusChange, details: list[str], *, raw_subject: str
) -> dict[str, Any]:
    emoji = status_emoji(change.new)
    lines = [f"{emoji} {prefix}{_transition(change, emphasis=True)}", *details]
    if change.reason and change.reason.strip():
        lines.append(f"Reason: {clip_line(change.reason, REASON_LIMIT)}")
    blocks: list[Block] = [section("\n".join(lines))]
    notes = _notes(change)
    if notes:
        blocks.append(context(*notes))
    text = f"{raw_subject}{_transition(change, emphasis=False)}"
    if change.late:
        text += " (earlier update, received late)"
    return message(text, blocks)


def _when(date: dt.date, time: str | None, party_size: int | None) -> str:
    parts = [human_date(date)]
    if time:
        parts.append(venue_time(time))
    if party_size:
        parts.append(f"party of {party_size}")
    return " · ".join(parts)


def status_thread_reply(change: StatusChange, details: Sequence[str] = ()) -> dict[str, Any]:
    """Reply under the booking's confirmation message: `old → new`, escaped `details`
    lines (e.g. a venue's move of the date or time), reason, late marker."""
    return _build("Status: ", change, list(details), raw_subject="Booking status: ")


def status_direct_message(
    change: StatusChange,
    *,
    venue_name: str,
    date: dt.date,
    time: str,
    party_size: int,
    reference: str | None = None,
    channel_lost: bool = True,
) -> dict[str, Any]:
    """A standalone update that says which booking it is about.

    Used in the booker's DM when the original channel is gone (`channel_lost`), or in the
    channel itself when there is no confirmation message to reply under.
    """
    venue = clip_line(venue_name, NAME_LIMIT) or "the venue"
    details = [_when(date, time, party_size)]
    if reference:
        details.append(f"Venue reference: `{clip_line(reference, 60)}`")
    if channel_lost:
        details.append("_I can no longer post where you booked, so I'm telling you here._")
    return _build(
        f"Your booking at {bold(venue)}: ",
        change,
        details,
        raw_subject=f"Your booking at {venue}: ",
    )


def subscription_notice(
    change: StatusChange,
    *,
    venue_name: str | None,
    group_name: str | None,
    date: dt.date | None,
    time: str | None,
    party_size: int | None,
    reference: str | None = None,
) -> dict[str, Any]:
    """For a channel subscribed to a venue or group, about a booking made elsewhere.

    Guest names and contact details stay out on purpose: the channel is not the guest's.
    """
    venue = clip_line(venue_name or "", NAME_LIMIT) or "an unknown venue"
    where = bold(venue)
    if group_name and group_name.strip():
        where += f" ({clip_line(group_name, NAME_LIMIT)})"
    details: list[str] = []
    if date is not None:
        details.append(_when(date, time, party_size))
    if reference:
        details.append(f"Reference: `{clip_line(reference, 60)}`")
    return _build(f"Booking at {where}: ", change, details, raw_subject=f"Booking at {venue}: ")
