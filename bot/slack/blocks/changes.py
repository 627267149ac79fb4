"""What a change of a booking's date, time or party size says in Slack: one short line,
used in the booking's thread and in the Change modal's result."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.common import human_date, message, section
from bot.slack.mrkdwn import clip, clip_line
from bot.store.records import BookingDetails


def change_summary(before: BookingDetails, after: BookingDetails, *, notes_changed: bool) -> str:
    """ "19:00 → 20:00, party 4 → 6" (escaped); "notes updated" when only notes changed."""
    parts = []
    if before.date != after.date:
        parts.append(f"{human_date(before.date)} → {human_date(after.date)}")
    if before.time[:5] != after.time[:5]:
        parts.append(f"{clip_line(before.time[:5], 10)} → {clip_line(after.time[:5], 10)}")
    if before.party_size != after.party_size:
        parts.append(f"party {before.party_size} → {after.party_size}")
    if notes_changed:
        parts.append("notes updated")
    return ", ".join(parts) or "no visible change"


def change_note(
    before: BookingDetails,
    after: BookingDetails,
    *,
    user_id: str | None,
    notes_changed: bool = False,
) -> dict[str, Any]:
    """The thread note: "Changed by @user: …", or "Changed by the venue: …"."""
    text = change_line(before, after, user_id=user_id, notes_changed=notes_changed)
    return message(text, [section(text)])


def change_line(
    before: BookingDetails,
    after: BookingDetails,
    *,
    user_id: str | None,
    notes_changed: bool = False,
) -> str:
    who = f"<@{clip(user_id, 40)}>" if user_id else "the venue"
    return f":memo: Changed by {who}: " + change_summary(before, after, notes_changed=notes_changed)
