"""The search modal (Book a table): words, date, party size and filters, with the results
shown in the same modal. A result's Book button pushes the booking modal on top.

Input block and action ids never change between updates, so Slack keeps what the user
typed when the results are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    NumberInputElement,
    PlainTextInputElement,
)

from bot.bookable.models import Venue
from bot.slack import ids
from bot.slack.blocks.common import actions, context, divider, plain, section
from bot.slack.blocks.search import (
    PAGE_SIZE,
    book_buttons,
    describe_filters,
    page_buttons,
    venue_text,
)
from bot.slack.ids import PageRef, SearchMeta
from bot.slack.mrkdwn import clip
from bot.slack.parsing import MAX_PARTY, MAX_WORDS, MIN_PARTY
from bot.slack.search_form import SearchInput

TITLE = "Find a table"
DEFAULT_PARTY = "2"


def search_modal(
    meta: SearchMeta,
    entered: SearchInput,
    *,
    status: str | None = None,
    results: Sequence[Venue] | None = None,
    ref: PageRef | None = None,
    has_next: bool = False,
) -> dict[str, Any]:
    """The modal: the inputs, then `status` (escaped, e.g. "Searching…" or a problem) and
    the `results` of the search `ref` when there are some."""
    blocks: list[Block] = [context(where_text(meta)), *_inputs(entered)]
    if status:
        blocks.append(context(status))
    if results is not None and ref is not None:
        blocks += _results(results, ref, has_next=has_next)
    return {
        "type": "modal",
        "callback_id": ids.SEARCH_CALLBACK,
        "title": plain(TITLE, 24).to_dict(),
        "submit": plain("Search", 24).to_dict(),
        "close": plain("Close", 24).to_dict(),
        "blocks": [block.to_dict() for block in blocks],
        "private_metadata": meta.encode(),
    }


def where_text(meta: SearchMeta) -> str:
    # A DM is no channel to post in: the confirmation goes to the booker's DM with the app.
    if meta.channel_id and not meta.channel_id.startswith("D"):
        return f"Booking for <#{clip(meta.channel_id, 40)}>: the confirmation is posted there."
    return "The confirmation comes to your direct messages with Bookable."


def _inputs(entered: SearchInput) -> list[Block]:
    def text(field: ids.Field, label: str, value: str, hint: str) -> InputBlock:
        return InputBlock(
            block_id=field.block_id,
            label=plain(label, 50),
            optional=True,
            hint=plain(hint, 150),
            element=PlainTextInputElement(
                action_id=field.action_id, initial_value=value[:MAX_WORDS] or None,
                max_length=MAX_WORDS,
            ),
        )  # fmt: skip

    return [
        text(ids.SEARCH_WORDS, "Venue or words", entered.words, "e.g. dishoom, or pizza soho"),
        InputBlock(
            block_id=ids.SEARCH_DATE.block_id,
            label=plain("Date", 50),
            optional=True,
            element=DatePickerElement(
                action_id=ids.SEARCH_DATE.action_id,
                initial_date=entered.date.isoformat() if entered.date else None,
            ),
        ),
        InputBlock(
            block_id=ids.SEARCH_PARTY.block_id,
            label=plain("Party size", 50),
            optional=True,
            element=NumberInputElement(
                action_id=ids.SEARCH_PARTY.action_id,
                is_decimal_allowed=False,
                min_value=str(MIN_PARTY),
                max_value=str(MAX_PARTY),
                initial_value=(entered.party or DEFAULT_PARTY)[:3],
            ),
        ),
        text(ids.SEARCH_GROUP, "Venue group", entered.group, "e.g. Gordon Ramsay"),
        text(ids.SEARCH_FEATURES, "Features", entered.features, "e.g. dog_friendly, wifi"),
    ]


def _results(venues: Sequence[Venue], ref: PageRef, *, has_next: bool) -> list[Block]:
    blocks: list[Block] = [divider()]
    if not venues:
        blocks.append(
            section(
                f"No venues found for {describe_filters(ref)}. "
                "Try fewer words, or drop a filter: every feature must match."
            )
        )
        return blocks
    blocks.append(context(f"{describe_filters(ref)} · page {ref.page}"))
    for venue in list(venues)[:PAGE_SIZE]:
        blocks.append(section(venue_text(venue)))
        buttons = book_buttons(venue, ref, ids.PICK_ACTION)
        blocks.append(actions(buttons) if buttons else context("Not bookable right now."))
    navigation = page_buttons(ref, has_next=has_next, action=ids.SEARCH_PAGE_ACTION)
    if navigation:
        blocks.append(actions(navigation, block_id="search_pages"))
    return blocks
