"""Channel subscription answers (`subscribe`, `unsubscribe`, `subscriptions`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from bot.slack import ids
from bot.slack.blocks.common import (
    MAX_BLOCKS,
    button,
    context,
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


MATCHES_NAMED = 5
LISTED = MAX_BLOCKS - 2  # the title and the "…and N more" line


def _matches(names: Sequence[str]) -> str:
    shown = ", ".join(bold(clip_line(name, 80)) for name in names[:MATCHES_NAMED])
    more = len(names) - MATCHES_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def subscribed(
    venue: str | None,
    group: str | None,
    status: str | None,
    matches: Sequence[str] = (),
    *,
    already: bool = False,
) -> dict[str, Any]:
    """The subscriber's own answer; `matches`: the venues a `venue:` filter matches now."""
    what = describe(venue, group, status)
    first = (
        f":bell: This channel already gets booking updates for {what}."
        if already
        else f":bell: This channel now gets booking updates for {what}."
    )
    lines = [first]
    if matches:
        lines.append(f"Matching venues: {_matches(matches)}.")
    lines.append(f"`{ids.COMMAND} subscriptions` lists them, with Unsubscribe buttons.")
    return simple_message("\n".join(lines))


def no_venue_matches(venue: str) -> dict[str, Any]:
    name = clip_line(venue, 100)
    return simple_message(
        f"No venue's name contains “{name}”, so nothing would be posted. "
        f"Check the name with `{ids.COMMAND} search {name}`."
    )


def announcement(
    user_id: str, *, added: bool, venue: str | None, group: str | None, status: str | None
) -> dict[str, Any]:
    """Posted in the channel, for everyone: who changed its subscriptions, and how."""
    who = f"<@{clip_line(user_id, 40)}>"
    what = describe(venue, group, status)
    if added:
        text = f":bell: {who} subscribed this channel to booking updates for {what}."
    else:
        text = f":no_bell: {who} unsubscribed this channel from booking updates for {what}."
    return message(text, [section(text), context(f"`{ids.COMMAND} subscriptions` lists them.")])


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


def subscription_list(
    subscriptions: Sequence[Subscription], *, notice: str | None = None
) -> dict[str, Any]:
    """Each subscription with its Unsubscribe button; `notice` (escaped) goes on top."""
    top = [section(notice)] if notice else []
    if not subscriptions:
        text = (
            "This channel has no booking-update subscriptions. "
            f"Add one with `{ids.COMMAND} subscribe venue:<name>`."
        )
        return message(text, [*top, section(text)])
    blocks: list[Block] = [*top, section("*Booking updates posted in this channel*")]
    for index, subscription in enumerate(subscriptions[: LISTED - len(top)]):
        line = (
            f"• {describe(subscription.venue, subscription.group, subscription.status)} — "
            f"added by <@{clip_line(subscription.created_by, 40)}>"
        )
        blocks.append(section(line, accessory=unsubscribe_button(subscription, index)))
    hidden = len(subscriptions) - (len(blocks) - len(top) - 1)
    if hidden > 0:
        blocks.append(context(f"…and {hidden} more."))
    return message(f"{len(subscriptions)} subscriptions in this channel", blocks)


def unsubscribe_button(subscription: Subscription, index: int) -> Any:
    return button(
        "Unsubscribe", f"{ids.UNSUBSCRIBE_ACTION}:{index}", str(subscription.id), style="danger"
    )


def not_a_member() -> dict[str, Any]:
    return simple_message(
        "Only members of this channel can change its subscriptions. Join the channel first."
    )


def bot_not_in_channel() -> dict[str, Any]:
    return simple_message(
        "I'm not in this channel, so I can't post updates here. "
        "Invite me with `/invite @Bookable`, then try again."
    )
