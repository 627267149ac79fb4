"""`/bookable bookings`: the user's bookings made through the app, with Cancel buttons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.slack import ids
from bot.slack.blocks.booking import cancel_button, summary
from bot.slack.blocks.common import MAX_BLOCKS, context, header, message, moment, section
from bot.slack.statuses import status_line
from bot.store.records import BookingRecord

MAX_LISTED = MAX_BLOCKS - 3  # header + footer context, and room for a notice


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
        blocks.append(
            section(
                f"{summary(record)}\n{status_line(record.status)}" + _made(record),
                accessory=cancel_button(record, f"{ids.CANCEL_ACTION}:{index}"),
            )
        )
    blocks.append(context("Only you can see this list."))
    return message(f"Your bookings ({len(records)})", blocks)


def _made(record: BookingRecord) -> str:
    """When it was made, in each reader's own time zone (a Slack date token)."""
    return f" · made {moment(record.created_at)}" if record.created_at else ""
