"""Channel subscription answers (`subscribe`, `unsubscribe`, `subscriptions`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from bot.slack import ids
from bot.slack.blocks.common import (
    SECTION_TEXT,
    context,
    lines_within,
    message,
    section,
    simple_message,
)
from bot.slack.mrkdwn import bold, clip_line
from bot.store.records import Subscription


def describe(venue: str | None, group: str | None, status: str | None) -> str:
    parts = []
    if venue:
        parts.append("venue " + bold(clip_line(venue, 100)))
    if group:
        parts.append("group " + bold(clip_line(group, 100)))
    if status:
        parts.append("status " + bold(clip_line(status, 20)))
    return ", ".join(parts) or "every booking"


def subscribed(venue: str | None, group: str | None, status: str | None) -> dict[str, Any]:
    return simple_message(
        f":bell: This channel now gets booking updates for {describe(venue, group, status)}. "
        f"`{ids.COMMAND} unsubscribe` with the same filters stops them."
    )


def unsubscribed(
    removed: int, venue: str | None, group: str | None, status: str | None
) -> dict[str, Any]:
    if removed == 0:
        return simple_message(
            f"No subscription here matches {describe(venue, group, status)}. "
            f"See `{ids.COMMAND} subscriptions`."
        )
    plural = "subscription" if removed == 1 else "subscriptions"
    what = describe(venue, group, status)
    return simple_message(f":no_bell: Removed {removed} {plural} ({what}).")


def subscription_list(subscriptions: Sequence[Subscription]) -> dict[str, Any]:
    if not subscriptions:
        return simple_message(
            "This channel has no booking-update subscriptions. "
            f"Add one with `{ids.COMMAND} subscribe venue:<name>`."
        )
    lines = [
        f"• {describe(s.venue, s.group, s.status)} — added by <@{clip_line(s.created_by, 40)}>"
        for s in subscriptions
    ]
    title = "*Booking updates posted in this channel*"
    shown = lines_within([title, *lines], SECTION_TEXT)
    blocks: list[Block] = [section("\n".join(shown))]
    if len(shown) - 1 < len(lines):
        blocks.append(context(f"…and {len(lines) - len(shown) + 1} more."))
    return message(f"{len(subscriptions)} subscriptions in this channel", blocks)


def not_a_member() -> dict[str, Any]:
    return simple_message(
        "Only members of this channel can change its subscriptions. Join the channel first."
    )


def bot_not_in_channel() -> dict[str, Any]:
    return simple_message(
        "I'm not in this channel, so I can't post updates here. "
        "Invite me with `/invite @Bookable`, then try again."
    )
