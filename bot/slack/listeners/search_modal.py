"""Book from anywhere: the Book a table shortcuts and the Home tab's Find a table button
open the search modal; its submission searches (results in the same modal); a result's
Book button pushes the booking modal, whose submission is the usual one
(`listeners/views.py`). With no channel in play the confirmation goes to the booker's DM;
the message shortcut makes its conversation the booking's home."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from functools import partial
from typing import Any

from cachetools import TTLCache
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import AppContext
from bot.slack import ids
from bot.slack.blocks.modal import loading_view
from bot.slack.blocks.search_modal import search_modal
from bot.slack.followups import BUSY_TEXT
from bot.slack.ids import BookRef, ModalMeta, PageRef, SearchMeta, StaleReference
from bot.slack.listeners.modal_flow import load_form
from bot.slack.listeners.shared import Shared, failure_text, log, slack_error, user_of
from bot.slack.search_form import SearchInput, read_search_state, validate_search
from bot.slack.table_search import results_view, searching_view
from bot.slack.users import today_in

# No date is valid anywhere before "today" in the last time zone to reach it; the booking
# form checks the date again in the booker's own zone.
EARLIEST_ZONE = "Etc/GMT+12"
# A double click on a result sends two clicks, each with a trigger id: only the first
# pushes a booking form (per process; a second form would just sit on top of the first).
DOUBLE_CLICK_SECONDS = 5.0
ACK_BUDGET = 1.5  # seconds a search may take and still answer in the submission's ack


def _action(body: dict[str, Any]) -> dict[str, Any]:
    first = (body.get("actions") or [{}])[0]
    return first if isinstance(first, dict) else {}


def _conversation(body: dict[str, Any]) -> str | None:
    channel = body.get("channel")
    return str(channel["id"]) if isinstance(channel, dict) and channel.get("id") else None


def register(app: AsyncApp, ctx: AppContext, shared: Shared) -> None:
    recent_picks: TTLCache[tuple[str, str], bool] = TTLCache(5000, DOUBLE_CLICK_SECONDS)

    @app.shortcut(ids.BOOK_SHORTCUT)
    @app.action(ids.HOME_FIND_ACTION)
    async def find_a_table(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        job = partial(_open, client, body.get("trigger_id"), SearchMeta())
        await shared.hand_off(ack, "search modal", job)

    @app.shortcut(ids.BOOK_HERE_SHORTCUT)
    async def book_here(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        job = partial(_open, client, body.get("trigger_id"), SearchMeta(_conversation(body)))
        await shared.hand_off(ack, "search modal", job)

    async def _open(client: AsyncWebClient, trigger_id: Any, meta: SearchMeta) -> None:
        try:
            await client.views_open(trigger_id=trigger_id, view=search_modal(meta, SearchInput()))
        except SlackApiError as error:  # e.g. the trigger expired: the person clicks again
            log.warning("search modal not opened: %s", slack_error(error))

    @app.view(ids.SEARCH_CALLBACK)
    async def submit_search(ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient) -> None:
        try:
            meta = SearchMeta.decode(view.get("private_metadata", ""))
        except StaleReference as error:
            log.info("search submission refused: %s", error)
            await ack()
            return
        entered = read_search_state((view.get("state") or {}).get("values") or {})
        ref, errors = validate_search(entered, today=today_in(EARLIEST_ZONE))
        if ref is None:
            await ack(response_action="errors", errors=errors)
            return
        view_id = view.get("id", "")
        ticket = shared.views.begin(view_id)
        # The results go in the ack when they come within ACK_BUDGET (no views.update can
        # then race the ack's own update, which would leave "Searching…" on top); else the
        # ack says "Searching…" and the job updates the view when they come.
        ready: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        job = partial(_search, client, view_id, ticket, meta, entered, ref, ready)
        if not shared.followups.submit("search modal", job):
            await ack(response_action="errors", errors={ids.SEARCH_WORDS.block_id: BUSY_TEXT})
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(ready), ACK_BUDGET)
        if ready.cancel():  # too slow: the job shows them itself (see _search)
            await ack(response_action="update", view=searching_view(meta, entered, ref))
        else:
            await ack(response_action="update", view=ready.result())

    async def _search(
        client: AsyncWebClient,
        view_id: str,
        ticket: int,
        meta: SearchMeta,
        entered: SearchInput,
        ref: PageRef,
        ready: asyncio.Future[dict[str, Any]],
    ) -> None:
        view = await results_view(ctx.booking, meta, entered, ref)
        if ready.cancelled():  # the ack went without them, seconds ago
            await shared.views.update(client, view_id, view, ticket=ticket)
        else:
            ready.set_result(view)

    async def _show_results(
        client: AsyncWebClient,
        view_id: str,
        ticket: int,
        meta: SearchMeta,
        entered: SearchInput,
        ref: PageRef,
    ) -> None:
        view = await results_view(ctx.booking, meta, entered, ref)
        await shared.views.update(client, view_id, view, ticket=ticket)

    @app.action(ids.SEARCH_PAGE_PATTERN)
    async def page_results(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body.get("view") or {}
        view_id = view.get("id", "")
        shared.views.saw(view)
        try:
            meta = SearchMeta.decode(view.get("private_metadata", ""))
            ref = PageRef.decode(_action(body).get("value", ""))
        except StaleReference as error:
            log.info("search paging refused: %s", error)
            await ack()
            return
        entered = read_search_state((view.get("state") or {}).get("values") or {})
        ticket = shared.views.begin(view_id)
        job = partial(_show_results, client, view_id, ticket, meta, entered, ref)
        await shared.hand_off(ack, "search modal page", job)

    @app.action(ids.PICK_PATTERN)
    async def pick(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        clicked = (str((body.get("view") or {}).get("id")), str(_action(body).get("value")))
        if clicked in recent_picks:
            log.info("second click on the same result ignored")
            await ack()
            return
        recent_picks[clicked] = True
        await shared.hand_off(ack, "book from the search modal", partial(_push_form, body, client))

    async def _push_form(body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body.get("view") or {}
        try:
            ref = BookRef.decode(_action(body).get("value", ""))
            where = SearchMeta.decode(view.get("private_metadata", ""))
        except StaleReference as error:
            log.info("search result click refused: %s", error)
            return
        meta = ModalMeta(
            key=secrets.token_hex(16),  # one key per booking modal: one booking per modal
            composite_id=ref.composite_id,
            venue_id=ref.venue_id,
            channel_id=where.channel_id,
            date=ref.date,
            party=ref.party,
        )
        try:
            # The trigger id expires 3 s after the click: push before any other call.
            pushed = await client.views_push(
                trigger_id=body.get("trigger_id"), view=loading_view(meta)
            )
        except SlackApiError as error:
            log.warning("booking modal not pushed: %s", slack_error(error))
            text = "I couldn't open the booking form in time. Please click *Book* again."
            await _say_in_modal(client, view, text)
            return
        await load_form(ctx, shared, client, meta, pushed.get("view") or {}, user_of(body))

    async def _say_in_modal(client: AsyncWebClient, view: dict[str, Any], text: str) -> None:
        """A problem under the search modal's inputs (it has no response_url)."""
        try:
            meta = SearchMeta.decode(view.get("private_metadata", ""))
            entered = read_search_state((view.get("state") or {}).get("values") or {})
            await shared.views.update(
                client, view.get("id", ""), search_modal(meta, entered, status=":warning: " + text)
            )
        except Exception as error:
            failure_text(error, "search modal notice")  # logs it with an incident id
