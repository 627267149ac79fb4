"""Book from anywhere: the search modal's searches. Slack-facing, used by the listeners in
`bot.slack.listeners.search_modal`, which only ack, read the payload and update the view."""

from __future__ import annotations

from typing import Any

from bot.service.booking import BookingService, SearchResult
from bot.slack.blocks.search import PAGE_SIZE, searching
from bot.slack.blocks.search_modal import search_modal
from bot.slack.ids import PageRef, SearchMeta
from bot.slack.listeners.shared import failure_text
from bot.slack.search_form import SearchInput


async def run_search(booking: BookingService, ref: PageRef) -> SearchResult:
    """One page of the search `ref` describes (results messages and the modal alike)."""
    return await booking.search(
        words=ref.words,
        group=ref.group,
        features=ref.features,
        page=ref.page,
        size=PAGE_SIZE,
        by_description=ref.by_description,
    )


def searching_view(meta: SearchMeta, entered: SearchInput, ref: PageRef) -> dict[str, Any]:
    """Shown at once (the submission's ack) while Bookable is asked."""
    return search_modal(meta, entered, status=":hourglass: " + searching(ref))


async def results_view(
    booking: BookingService, meta: SearchMeta, entered: SearchInput, ref: PageRef
) -> dict[str, Any]:
    """The modal with a page of results, or with the problem where the results would be
    (the inputs stay, so the person can change them and search again)."""
    try:
        result = await run_search(booking, ref)
    except Exception as error:
        return search_modal(meta, entered, status=":warning: " + failure_text(error, "search"))
    shown = PageRef(**{**ref.__dict__, "by_description": result.matched_description})
    return search_modal(meta, entered, results=result.venues, ref=shown, has_next=result.has_next)
