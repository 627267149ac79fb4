"""Search results: an ephemeral message, one section per venue, buttons, paging.

With a date, each venue shows its free times as buttons (`bot.service.times`); the first
answer shows meal buttons and "finding free times" (`loading`), and the filled one replaces
it in place. Built as plain dicts: slack_sdk's block models cost the most CPU per search
(bench/README.md, "Profile"); the limits they would check hold by construction (texts
clipped, at most 5 venues and 8 buttons each, values bounded).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.bookable.models import Venue
from bot.service.times import VenueTimes, minutes
from bot.service.venues import venue_key
from bot.slack import ids
from bot.slack.blocks.common import (
    BUTTON_TEXT,
    CONTEXT_TEXT,
    HEADER_TEXT,
    feature_label,
    human_date,
    message,
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
TIME_PRODUCT_LIMIT = 20  # product name on a time button
DEFAULT_PARTY = 2  # free times are looked up for this many when no party is given
TIMES_LOADING_BLOCK = "times_loading"  # the context shown until times fill in
TIMES_IN_MODAL = "Times load when you press Book: Bookable is busy right now."


def _plain(raw: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip_line(raw, limit) or "-"}


def _section(escaped: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": escaped[:3000] or " "}}


def _context(escaped: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": escaped[:CONTEXT_TEXT] or " "}],
    }
    if block_id:
        block["block_id"] = block_id
    return block


def _button(raw: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element = {
        "type": "button",
        "text": _plain(raw, BUTTON_TEXT),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def _actions(elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "actions", "elements": elements[:25]}


DIVIDER: dict[str, Any] = {"type": "divider"}


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
    if ref.party or ref.date:
        parts.append(f"party of {ref.party or DEFAULT_PARTY}")
    if ref.time:
        parts.append(f"around {ref.time}")
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


def book_buttons(venue: Venue, ref: PageRef, action: str = ids.BOOK_ACTION) -> list[dict[str, Any]]:
    """A Book button per product (the modal loads its times)."""
    buttons: list[dict[str, Any]] = []
    for product in venue.products:
        value = BookRef(venue.id, product.composite_id, ref.date, ref.party).encode()
        if len(value) > ids.MAX_BUTTON_VALUE:
            continue  # ids too long to carry; never cut an id
        label = "Book " + shorten(one_line(product.product_name or "a table"), BOOK_LABEL_LIMIT)
        action_id = f"{action}:{len(buttons)}"
        buttons.append(_button(label, action_id, value, "primary" if not buttons else None))
        if len(buttons) == MAX_PRODUCTS:
            break
    return buttons


def time_buttons(found: VenueTimes, ref: PageRef) -> list[dict[str, Any]]:
    """A button per free time (the modal opens with it chosen), then "More times" (the
    modal with no time chosen). Each modal lists every time of its product that day."""
    venue, party = found.venue, ref.party or DEFAULT_PARTY
    products = list(dict.fromkeys(t.composite_id for t in found.times))
    names = {p.composite_id: p.product_name for p in venue.products}
    buttons: list[dict[str, Any]] = []

    def add(label: str, value: str, style: str | None = None) -> None:
        if len(value) <= ids.MAX_BUTTON_VALUE:  # ids too long to carry; never cut an id
            buttons.append(_button(label, f"{ids.BOOK_ACTION}:{len(buttons)}", value, style))

    def own_id(composite_id: str) -> str | None:
        """The venue id, unless the compositeId already says it (a shorter value)."""
        return None if venue.id == venue_key(composite_id) else venue.id

    # One primary button (Slack's guidance): the time nearest the one asked for, else the first.
    wanted = minutes(ref.time) if ref.time else None
    best = min(
        found.times,
        key=lambda t: abs((minutes(t.time) or 0) - wanted) if wanted is not None else 0,
        default=None,
    )
    for free in found.times:
        label = free.time
        if len(products) > 1:
            label += " · " + shorten(one_line(free.product_name or "Table"), TIME_PRODUCT_LIMIT)
        if free.enquiry:
            label += " · enquiry"
        value = BookRef(own_id(free.composite_id), free.composite_id, ref.date, party, free.time)
        add(label, value.encode(), "primary" if free is best else None)
    if products:  # every time button's modal lists all its product's times; this one, too
        first = products[0]
        name = one_line(names.get(first) or "")
        label = f"More {shorten(name, TIME_PRODUCT_LIMIT)} times" if len(products) > 1 else ""
        add(label or "More times", BookRef(own_id(first), first, ref.date, party).encode())
    return buttons


def nothing_free(found: VenueTimes, ref: PageRef) -> list[dict[str, Any]]:
    """One line, with the next free day when known, and a button to pick another date."""
    party = ref.party or DEFAULT_PARTY
    on = human_date(ref.date) if ref.date else "that day"
    line = f":no_entry_sign: Nothing free on {on} for {party}"
    if ref.time:
        line = f":no_entry_sign: Nothing free around {ref.time} on {on} for {party}"
    if found.next_free:
        line += f" · next free day: *{human_date(found.next_free)}*"
    blocks = [_context(line)]
    product = next(iter(found.venue.products), None)
    value = (
        BookRef(found.venue.id, product.composite_id, ref.date, party).encode() if product else ""
    )
    if product and len(value) <= ids.MAX_BUTTON_VALUE:
        blocks.append(_actions([_button("Pick another date", f"{ids.BOOK_ACTION}:0", value)]))
    return blocks


def page_buttons(
    ref: PageRef, *, has_next: bool, action: str = ids.PAGE_ACTION
) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    if ref.page > 1:
        previous = PageRef(**{**ref.__dict__, "page": ref.page - 1})
        buttons.append(_button("◀ Previous", f"{action}:prev", previous.encode()))
    if has_next:
        following = PageRef(**{**ref.__dict__, "page": ref.page + 1})
        buttons.append(_button("Next ▶", f"{action}:next", following.encode()))
    return [b for b in buttons if len(b["value"]) <= ids.MAX_BUTTON_VALUE]


def plan_button(venues: Sequence[Venue]) -> dict[str, Any] | None:
    """Plan with the channel: the team meal modal with this page's venues (first product
    each, up to four) as its options. The first venue's accessory, so the page's actions
    stay Book and paging buttons only."""
    chosen = [v.products[0].composite_id for v in venues if v.products][: ids.PLAN_OPTIONS]
    value = json.dumps(chosen, separators=(",", ":"))
    if not chosen or len(value) > ids.MAX_BUTTON_VALUE:
        return None
    return _button("Plan with the channel", ids.PLAN_START_ACTION, value)


def search_results(
    venues: Sequence[Venue],
    ref: PageRef,
    *,
    has_next: bool,
    times: Sequence[VenueTimes] | None = None,
    loading: bool = False,
) -> dict[str, Any]:
    """The results page. Zero venues gives a helpful "nothing found" message instead.

    `times` (by venue, from `SearchTimes.for_venues`): free-time buttons; a venue whose
    times are not known gets Book buttons and the page says times load in the modal.
    `loading`: Book buttons and "finding free times" (replaced once the times are in).
    """
    if not venues:
        return no_results(ref)
    shown = list(venues)[:PAGE_SIZE]
    by_venue = {id(t.venue): t for t in times or ()}
    unknown = (
        ref.date is not None
        and not loading
        and any(not (found := by_venue.get(id(v))) or not found.known for v in shown)
    )
    summary = f"{describe_filters(ref)} · page {ref.page}"
    if ref.by_description:
        summary += " · matched in venue descriptions"
    title = "Venues" if not ref.words else f"Venues for “{ref.words}”"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(title, HEADER_TEXT)},
        _context(summary),
    ]
    if loading:
        blocks.append(_context(":hourglass: Finding free times…", TIMES_LOADING_BLOCK))
    elif unknown:
        blocks.append(_context(":clock3: " + TIMES_IN_MODAL))
    described: set[str] = set()
    for venue in shown:
        blocks.append(DIVIDER)
        description = one_line(venue.description or "")
        section = _section(venue_text(venue, with_description=description not in described))
        if venue is shown[0] and (plan := plan_button(shown)) is not None:
            section["accessory"] = plan
        blocks.append(section)
        described.add(description)
        found = by_venue.get(id(venue))
        if found is not None and found.known and not found.times:
            blocks.extend(nothing_free(found, ref))
            continue
        buttons = time_buttons(found, ref) if found and found.known else book_buttons(venue, ref)
        if buttons:
            blocks.append(_actions(buttons))
        else:
            blocks.append(_context("Not bookable through Bookable right now."))
    navigation = page_buttons(ref, has_next=has_next)
    if navigation:
        blocks.append(DIVIDER)
        blocks.append(_actions(navigation))
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
    return message(text, [_section(text + "\nTry:\n" + "\n".join(tips))])


def searching(ref: PageRef) -> str:
    return f"Searching Bookable for {describe_filters(ref)}…"
