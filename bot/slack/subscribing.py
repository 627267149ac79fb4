"""Changing a channel's subscriptions from Slack: who may, whether a `venue:` filter names
any venue, the change itself, and its announcement in the channel (as GitHub's app does:
everyone in the channel sees who changed what). Used by `/bookable` and the Unsubscribe
buttons of `/bookable subscriptions`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import subscriptions as blocks
from bot.slack.errors import error_code
from bot.slack.membership import membership_problem
from bot.slack.parsing import SubscriptionFilter

if TYPE_CHECKING:
    from bot.service.booking import BookingService
    from bot.store import Store

log = logging.getLogger(__name__)

VENUES_CHECKED = 20  # one search page: enough to name the matches, and to know there are some


async def venue_matches(booking: BookingService, venue: str, group: str | None) -> list[str]:
    """Names of the venues a subscription's `venue:` filter matches (a case-insensitive
    part of the name, as the notifier matches them; descriptions don't count)."""
    result = await booking.search(words=venue, group=group, size=VENUES_CHECKED)
    if result.matched_description:
        return []
    wanted = venue.casefold()
    return [v.name for v in result.venues if v.name and wanted in v.name.casefold()]


@dataclass(frozen=True)
class Asker:
    """Who asks to change which channel's subscriptions."""

    team: str
    channel: str
    user: str


async def subscribe(
    store: Store,
    booking: BookingService,
    client: AsyncWebClient,
    asker: Asker,
    filters: SubscriptionFilter,
) -> dict[str, Any]:
    """The answer for the asker; the channel is told of a new subscription."""
    team, channel, user = asker.team, asker.channel, asker.user
    refusal = await membership_problem(client, channel, user)
    if refusal is not None:
        return refusal
    matches: list[str] = []
    if filters.venue:
        matches = await venue_matches(booking, filters.venue, filters.group)
        if not matches:
            return blocks.no_venue_matches(filters.venue)
    before = {s.id for s in await store.list_subscriptions(team, channel)}
    added = await store.add_subscription(
        team, channel, created_by=user, venue=filters.venue, group=filters.group,
        status=filters.status,
    )  # fmt: skip
    already = added.id in before
    if not already:
        await announce(client, channel, user, added=True, filters=filters)
    return blocks.subscribed(filters.venue, filters.group, filters.status, matches, already=already)


async def unsubscribe(
    store: Store, client: AsyncWebClient, asker: Asker, filters: SubscriptionFilter
) -> dict[str, Any]:
    team, channel, user = asker.team, asker.channel, asker.user
    refusal = await membership_problem(client, channel, user)
    if refusal is not None:
        return refusal
    f = filters
    removed = await store.remove_subscriptions(
        team, channel, venue=f.venue, group=f.group, status=f.status
    )
    if removed:
        await announce(client, channel, user, added=False, filters=f)
    return blocks.unsubscribed(removed, f.venue, f.group, f.status)


async def unsubscribe_one(
    store: Store, client: AsyncWebClient, asker: Asker, value: str
) -> dict[str, Any]:
    """An Unsubscribe button: the channel's list again, saying what happened. A second
    click (or a forged id) removes nothing and announces nothing."""
    team, channel, user = asker.team, asker.channel, asker.user
    refusal = await membership_problem(client, channel, user)
    if refusal is not None:
        return refusal
    removed = None
    if value.isdigit() and len(value) < 19:
        removed = await store.remove_subscription(team, channel, int(value))
    if removed is None:
        notice = "That subscription was already removed."
    else:
        filters = SubscriptionFilter(removed.venue, removed.group, removed.status)
        await announce(client, channel, user, added=False, filters=filters)
        what = blocks.describe(removed.venue, removed.group, removed.status)
        notice = f":no_bell: Unsubscribed from {what}."
    remaining = await store.list_subscriptions(team, channel)
    return blocks.subscription_list(remaining, notice=notice)


async def announce(
    client: AsyncWebClient, channel: str, user: str, *, added: bool, filters: SubscriptionFilter
) -> None:
    """A visible message in the channel; the change stands even if Slack refuses it."""
    posted = blocks.announcement(
        user, added=added, venue=filters.venue, group=filters.group, status=filters.status
    )
    try:
        await client.chat_postMessage(
            channel=channel, text=posted["text"], blocks=posted["blocks"], unfurl_links=False
        )
    except SlackApiError as error:
        log.warning("subscription announcement in %s failed: %s", channel, error_code(error))
