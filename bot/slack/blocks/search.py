"""Search results: an ephemeral message, one section per venue, Book buttons, paging."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block, ButtonElement

from bot.bookable.models import Venue
from bot.slack import ids
from bot.slack.blocks.common import (
    actions,
    button,
    context,
    divider,
    feature_label,
    header,
    human_date,
    message,
    section,
)
from bot.slack.ids import BookRef, PageRef
from bot.slack.mrkdwn import bold, clip_line, cut_at_word, escape, one_line, shorten

# A page stays far below 50 blocks, and below ~10k characters of blocks even for hostile
# 300-character names (Slack answers msg_blocks_too_long from about 13k).
PAGE_SIZE = 5  # venues per page
MAX_PRODUCTS = 3  # Book buttons per venue
MAX_FEATURES = 4
NAME_LIMIT = 100
LINE_LIMIT = 100
DESCRIPTION_LIMIT = 120
BOOK_LABEL_LIMIT = 35


def describe_filters(ref: PageRef) -> str:
    """One escaped line echoing the filters back."""
    parts = []
    if ref.words:
        parts.append("“" + clip_line(ref.words, 100) + "”")
    if ref.group:
        parts.append("group " + bold(clip_line(ref.group, 100)))
    if ref.features:
        parts.append("features " + ", ".join(clip_line(f, 40) for f in ref.features[:10]))
    if ref.date:
        parts.append(human_date(ref.date))
    if ref.party:
        parts.append(f"party of {ref.party}")
    return " · ".join(parts) or "all venues"


def venue_text(venue: Venue, *, with_description: bool = True) -> str:
    """`with_description=False` when an earlier venue of the page showed the same one."""
    lines = [bold(clip_line(venue.name, NAME_LIMIT)) or "_Unnamed venue_"]
    where = [venue.venue_group_name] if venue.venue_group_name else []
    if venue.location:
        place = ", ".join(p for p in (venue.location.area, venue.location.city) if p)
        if place:
            where.append(place)
    if where:
        lines.append(clip_line(" · ".join(where), LINE_LIMIT))
    if venue.features:
        shown = " · ".join(feature_label(f) for f in venue.features[:MAX_FEATURES])
        more = len(venue.features) - MAX_FEATURES
        lines.append(shown + (f" +{more} more" if more > 0 else ""))
    if len(venue.products) > MAX_PRODUCTS:
        names = ", ".join(p.product_name or "Table" for p in venue.products)
        lines.append(f"{len(venue.products)} options: " + clip_line(names, LINE_LIMIT))
    if venue.description and with_description:
        lines.append("_" + escape(cut_at_word(venue.description, DESCRIPTION_LIMIT)) + "_")
    return "\n".join(lines)


def book_buttons(venue: Venue, ref: PageRef) -> list[ButtonElement]:
    buttons: list[ButtonElement] = []
    for product in venue.products:
        value = BookRef(venue.id, product.composite_id, ref.date, ref.party).encode()
        if len(value) > ids.MAX_BUTTON_VALUE:
            continue  # ids too long to carry; never cut an id
        label = "Book " + shorten(one_line(product.product_name or "a table"), BOOK_LABEL_LIMIT)
        action_id = f"{ids.BOOK_ACTION}:{len(buttons)}"
        buttons.append(button(label, action_id, value, style="primary" if not buttons else None))
        if len(buttons) == MAX_PRODUCTS:
            break
    return buttons


def page_buttons(ref: PageRef, *, has_next: bool) -> list[ButtonElement]:
    buttons: list[ButtonElement] = []
    if ref.page > 1:
        previous = PageRef(**{**ref.__dict__, "page": ref.page - 1})
        buttons.append(button("◀ Previous", f"{ids.PAGE_ACTION}:prev", previous.encode()))
    if has_next:
        following = PageRef(**{**ref.__dict__, "page": ref.page + 1})
        buttons.append(button("Next ▶", f"{ids.PAGE_ACTION}:next", following.encode()))
    return [b for b in buttons if len(b.value or "") <= ids.MAX_BUTTON_VALUE]


def search_results(venues: Sequence[Venue], ref: PageRef, *, has_next: bool) -> dict[str, Any]:
    """The results page. Zero venues gives a helpful "nothing found" message instead."""
    if not venues:
        return no_results(ref)
    shown = list(venues)[:PAGE_SIZE]
    blocks: list[Block] = [
        header("Venues" if not ref.words else f"Venues for “{ref.words}”"),
        context(
            f"{describe_filters(ref)} · page {ref.page}"
            + (" · matched in venue descriptions" if ref.by_description else "")
        ),
    ]
    described: set[str] = set()
    for venue in shown:
        blocks.append(divider())
        description = one_line(venue.description or "")
        blocks.append(section(venue_text(venue, with_description=description not in described)))
        described.add(description)
        buttons = book_buttons(venue, ref)
        if buttons:
            blocks.append(actions(buttons))
        else:
            blocks.append(context("Not bookable through Bookable right now."))
    navigation = page_buttons(ref, has_next=has_next)
    if navigation:
        blocks.append(divider())
        blocks.append(actions(navigation))
    names = ", ".join(clip_line(v.name, 60) for v in shown)
    return message(f"Venues: {names}", blocks)


def no_results(ref: PageRef) -> dict[str, Any]:
    tips = [
        "• check the spelling, or use fewer words (`search dishoom`)",
        '• search by group: `search group:"gordon ramsay"`',
    ]
    if ref.features:
        tips.insert(0, "• drop a `feature:` filter — every feature must match")
    if ref.page > 1:
        tips.insert(0, "• this page is empty: go back to page 1")
    text = f"No venues found for {describe_filters(ref)}."
    return message(text, [section(text + "\nTry:\n" + "\n".join(tips))])


def searching(ref: PageRef) -> str:
    return f"Searching Bookable for {describe_filters(ref)}…"
