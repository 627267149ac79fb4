"""The one table of booking statuses as Slack shows them (webhook vocabulary, lowercase).

Messages, thread replies, `/bookable bookings` and `subscribe status:` all read from here, so a
status is labelled the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.slack.mrkdwn import clip_line


@dataclass(frozen=True)
class StatusLabel:
    label: str  # "Confirmed"
    emoji: str  # ":white_check_mark:"
    line: str  # what the booking message says under the details
    final: bool  # nothing can change it any more: no Cancel button


STATUSES: dict[str, StatusLabel] = {
    "pending": StatusLabel(
        "Pending", ":hourglass_flowing_sand:", "Pending — waiting for the venue to reply", False
    ),
    "confirmed": StatusLabel("Confirmed", ":white_check_mark:", "Confirmed", False),
    "cancelled": StatusLabel("Cancelled", ":x:", "Cancelled", True),
    "declined": StatusLabel("Declined", ":no_entry_sign:", "Declined by the venue", True),
    "completed": StatusLabel("Completed", ":fork_and_knife:", "Completed", True),
    "no_show": StatusLabel("No-show", ":no_entry_sign:", "Marked as no-show", True),
}
# What Bookable's webhooks send (§8.2).
WEBHOOK_STATUSES = ("pending", "confirmed", "cancelled", "completed", "no_show")
# Every status a message can show; `subscribe status:` accepts each of them.
SHOWN_STATUSES = tuple(STATUSES)
PENDING, CANCELLED, DECLINED = "pending", "cancelled", "declined"
OTHER_EMOJI = ":information_source:"


def shown_status(new: str, old: str | None, *, cancelled_here: bool = False) -> str:
    """The status to show for a webhook's `new` status.

    Bookable has no "declined" status: its Bookings API documents `Cancelled` as "cancelled
    or rejected" and webhooks say `cancelled` for both. A booking still waiting for the
    venue (`pending`) that becomes `cancelled` without anyone cancelling it through this
    app was refused by the venue, so it is shown as Declined.
    """
    if status_key(new) == CANCELLED and status_key(old or "") == PENDING and not cancelled_here:
        return DECLINED
    return status_key(new)


def status_key(status: str) -> str:
    return status.strip().lower()


def status_label(status: str) -> str:
    """Escaped label for a status; unknown values are shown as they came."""
    known = STATUSES.get(status_key(status))
    return known.label if known else clip_line(status.replace("_", " ").capitalize(), 40)


def status_emoji(status: str) -> str:
    known = STATUSES.get(status_key(status))
    return known.emoji if known else OTHER_EMOJI


def status_line(status: str) -> str:
    """The booking message's status line, with its emoji."""
    known = STATUSES.get(status_key(status))
    if known is None:
        return clip_line(status.replace("_", " ").capitalize(), 40)
    return f"{known.emoji} {known.line}"


def is_final(status: str) -> bool:
    known = STATUSES.get(status_key(status))
    return known is not None and known.final


# Statuses nothing can change any more (the Home tab lists them as past).
FINAL_STATUSES = frozenset(key for key, label in STATUSES.items() if label.final)
