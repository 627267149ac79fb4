"""The DM telling a booker that we never learned whether their booking went through."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.slack.blocks.common import human_date, message, section, venue_time
from bot.slack.mrkdwn import bold, clip_line

NAME_LIMIT = 150


def unresolved_message(
    *, venue_name: str, date: dt.date, time: str, party_size: int
) -> dict[str, Any]:
    """Plain words: what we don't know, where to check, and not to book again blindly."""
    venue = clip_line(venue_name, NAME_LIMIT) or "the venue"
    when = f"on {human_date(date)} at {venue_time(time)} for {party_size}"
    text = (
        f":grey_question: I couldn't confirm whether your booking at {bold(venue)} {when} "
        "went through: Bookable never told me. Please check your email for a message from "
        "the venue, or `/bookable bookings`, and contact the venue before booking again."
    )
    fallback = f"I couldn't confirm whether your booking at {venue} {when} went through"
    return message(fallback, [section(text)])
