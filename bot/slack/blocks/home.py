"""The App Home tab: the user's upcoming bookings (Change and Cancel on each), past ones
collapsed to a count, a Find a table button and the channels they subscribed.

A Home view holds at most 100 blocks: upcoming bookings come a page at a time (two blocks
each) with Previous/Next, and past ones are listed only when expanded, a few at most.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from bot.slack import ids
from bot.slack.blocks.booking import cancel_button, change_button, summary
from bot.slack.blocks.common import (
    SECTION_TEXT,
    actions,
    button,
    context,
    divider,
    header,
    lines_within,
    section,
)
from bot.slack.blocks.subscriptions import describe
from bot.slack.ids import HomeRef
from bot.slack.mrkdwn import clip
from bot.slack.statuses import status_line
from bot.store.home import HomeBookings
from bot.store.records import Subscription

MAX_HOME_BLOCKS = 100
UPCOMING_PAGE = 20  # two blocks each
PAST_SHOWN = 10  # one block each, newest first


def home_view(
    bookings: HomeBookings,
    subscriptions: Sequence[Subscription],
    ref: HomeRef = HomeRef(),
    *,
    notice: str | None = None,
    account: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The Home view for `views.publish`. `notice` is escaped text shown at the top (e.g.
    what a Cancel click did). `bookings.upcoming` is the page `ref` asks for. `account`:
    the workspace's Bookable account section (`blocks.account`, OAuth mode), at the end."""
    blocks: list[Block] = [header("Your table bookings")]
    if notice:
        blocks.append(section(notice))
    blocks.append(
        actions([button("Find a table", ids.HOME_FIND_ACTION, style="primary")], block_id="find")
    )
    blocks += _upcoming(bookings, ref)
    blocks += _past(bookings, ref)
    blocks += _subscriptions(subscriptions)
    # The page sizes above keep it within Slack's limit; the cut is only a safety net.
    rendered = [block.to_dict() for block in blocks]
    if account:
        rendered += [{"type": "divider"}, *account]
    rendered = rendered[:MAX_HOME_BLOCKS]
    # The paging is kept with the view: a Cancel click republishes the same page.
    return {"type": "home", "blocks": rendered, "private_metadata": ref.encode()}


def _upcoming(bookings: HomeBookings, ref: HomeRef) -> list[Block]:
    blocks: list[Block] = [divider(), section("*Upcoming*")]
    if not bookings.upcoming_total:
        blocks.append(context("Nothing booked yet. *Find a table* to book one."))
        return blocks
    if not bookings.upcoming:
        blocks.append(context("This page is empty now: go back to the first page."))
    for index, record in enumerate(bookings.upcoming[:UPCOMING_PAGE]):
        blocks.append(section(f"{summary(record)}\n{status_line(record.status)}"))
        buttons = [
            change_button(record, f"{ids.CHANGE_ACTION}:{index}"),
            cancel_button(record, f"{ids.CANCEL_ACTION}:{index}"),
        ]
        shown = [b for b in buttons if b is not None]
        if shown:  # none only for a booking id too long for a button value
            blocks.append(actions(shown))
    blocks += _paging(bookings, ref)
    return blocks


def _paging(bookings: HomeBookings, ref: HomeRef) -> list[Block]:
    first = (ref.page - 1) * UPCOMING_PAGE
    shown = len(bookings.upcoming[:UPCOMING_PAGE])
    pages = []
    if ref.page > 1:
        pages.append(
            button("◀ Previous", f"{ids.HOME_VIEW_ACTION}:prev", _ref(ref, page=ref.page - 1))
        )
    if first + shown < bookings.upcoming_total:
        pages.append(button("More ▶", f"{ids.HOME_VIEW_ACTION}:next", _ref(ref, page=ref.page + 1)))
    if not pages:
        return []
    where = f"{first + 1}–{first + shown}" if shown else "none"
    return [
        context(f"Showing {where} of {bookings.upcoming_total} upcoming bookings"),
        actions(pages, block_id="upcoming_pages"),
    ]


def _past(bookings: HomeBookings, ref: HomeRef) -> list[Block]:
    if not bookings.past_total:
        return []
    count = bookings.past_total
    label = f"*Past and closed* · {count} booking{'s' if count != 1 else ''}"
    toggle = (
        button("Hide past", f"{ids.HOME_VIEW_ACTION}:hide", _ref(ref, past=False))
        if ref.past
        else button("Show past", f"{ids.HOME_VIEW_ACTION}:show", _ref(ref, past=True))
    )
    blocks: list[Block] = [divider(), section(label, accessory=toggle)]
    if ref.past:
        for record in bookings.past[:PAST_SHOWN]:
            blocks.append(context(f"{summary(record)} · {status_line(record.status)}"))
        if count > PAST_SHOWN:
            blocks.append(
                context(f"The {PAST_SHOWN} most recent. `{ids.COMMAND} bookings` lists more.")
            )
    return blocks


def _subscriptions(subscriptions: Sequence[Subscription]) -> list[Block]:
    blocks: list[Block] = [divider(), section("*Channels you subscribed to booking updates*")]
    if not subscriptions:
        blocks.append(
            context(
                f"None yet. In a channel, `{ids.COMMAND} subscribe` posts venues' updates there."
            )
        )
        return blocks
    by_channel: dict[str, list[str]] = {}
    for subscription in subscriptions:
        filters = describe(subscription.venue, subscription.group, subscription.status)
        by_channel.setdefault(subscription.channel_id, []).append(filters)
    lines = [
        f"• <#{clip(channel, 40)}>: " + "; ".join(filters)
        for channel, filters in by_channel.items()
    ]
    kept = lines_within(lines, SECTION_TEXT)
    blocks.append(section("\n".join(kept)))
    if len(kept) < len(lines):
        blocks.append(context(f"…and {len(lines) - len(kept)} more channels."))
    return blocks


def _ref(ref: HomeRef, **changes: Any) -> str:
    return HomeRef(**{**ref.__dict__, **changes}).encode()
