"""`/bookable bookings`: the user's bookings made through the app, with Change and Cancel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.slack import ids
from bot.slack.blocks.booking import manage_buttons, summary
from bot.slack.blocks.common import (
    MAX_BLOCKS,
    actions,
    context,
    header,
    message,
    moment,
    section,
)
from bot.slack.statuses import status_line
from bot.store.records import BookingRecord

# Two blocks each (summary, buttons), besides the header, footer context and a notice.
MAX_LISTED = (MAX_BLOCKS - 3) // 2


def my_bookings(records: Sequence[BookingRecord], *, notice: str | None = None) -> dict[str, Any]:
    if not records:
        text = (
            "You have no bookings made through Bookable for Slack yet. "
            f"Try `{ids.COMMAND} search <venue>`."
        )
        return message(text, [section(((notice + "\n") if notice else "") + text)])
    blocks: list[Any] = [header("Your bookings")]
    if notice:
        blocks.append(section(notice))
    for index, record in enumerate(records[:MAX_LISTED]):
        blocks.append(section(f"{summary(record)}\n{status_line(record.status)}" + _made(record)))
        if controls := manage_buttons(record, f":{index}"):
            blocks.append(actions(controls))
    blocks.append(context("Only you can see this list."))
    return message(f"Your bookings ({len(records)})", blocks)


def _made(record: BookingRecord) -> str:
    """When it was made, in each reader's own time zone (a Slack date token)."""
    return f" · made {moment(record.created_at)}" if record.created_at else ""
