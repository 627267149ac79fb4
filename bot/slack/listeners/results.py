"""Answering a search (the command and Next/Previous): the venues at once, then, when the
search has a date, the same message again with each venue's free times (`replace_original`
through the response_url), so the first answer never waits for availability."""

from __future__ import annotations

import logging

from bot.context import AppContext
from bot.service.booking import SearchResult
from bot.slack.blocks.search import DEFAULT_PARTY, PAGE_SIZE, search_results
from bot.slack.ids import PageRef
from bot.slack.listeners.shared import Respond, tell

log = logging.getLogger(__name__)


async def show_results(
    ctx: AppContext, respond: Respond, result: SearchResult, ref: PageRef
) -> None:
    shown = result.venues[:PAGE_SIZE]
    times = ctx.booking.times
    if ref.date is None or not shown or not times.can_look_up():
        # No date: nothing to look up. Budget spent: Book buttons, times load in the modal.
        page = search_results(result.venues, ref, has_next=result.has_next, times=[])
        await tell(respond, page, replace=True)
        return
    first = search_results(result.venues, ref, has_next=result.has_next, loading=True)
    await tell(respond, first, replace=True)
    try:
        found = await times.for_venues(
            shown, on=ref.date, party=ref.party or DEFAULT_PARTY, around=ref.time
        )
    except Exception:  # a bug, not Bookable (handled inside): Book buttons, no error shown
        log.exception("free times for search results failed")
        found = []
    filled = search_results(result.venues, ref, has_next=result.has_next, times=found)
    await tell(respond, filled, replace=True)
