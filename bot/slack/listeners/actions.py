"""Buttons and inputs: paging, Book (opens the modal), date/party changes, Cancel (in
messages, `/bookable bookings` and the Home tab), Unsubscribe."""

from __future__ import annotations

import secrets
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import AppContext
from bot.slack import ids
from bot.slack.blocks.bookings import my_bookings
from bot.slack.blocks.modal import loading_view
from bot.slack.cancellation import cancel_from_slack
from bot.slack.form import read_state
from bot.slack.home import home_ref_of
from bot.slack.ids import BookRef, HomeRef, ModalMeta, PageRef, StaleReference
from bot.slack.listeners.modal_flow import fill_form, load_form
from bot.slack.listeners.results import show_results
from bot.slack.listeners.shared import (
    Respond,
    Shared,
    channel_of,
    failure_text,
    open_modal,
    report_failure,
    team_of,
    tell,
    user_of,
)
from bot.slack.mrkdwn import bold, clip_line
from bot.slack.subscribing import Asker, unsubscribe_one
from bot.slack.table_search import run_search


def _action(body: dict[str, Any]) -> dict[str, Any]:
    first = (body.get("actions") or [{}])[0]
    return first if isinstance(first, dict) else {}


def register(app: AsyncApp, ctx: AppContext, shared: Shared) -> None:
    @app.action(ids.PAGE_PATTERN)
    async def change_page(ack: AsyncAck, body: dict[str, Any], respond: Respond) -> None:
        await shared.hand_off(ack, "search page", lambda: _change_page(body, respond), respond)

    async def _change_page(body: dict[str, Any], respond: Respond) -> None:
        ref = PageRef.decode(_action(body).get("value", ""))
        result = await run_search(ctx.booking, ref)
        await show_results(ctx, respond, result, ref)

    @app.action(ids.BOOK_PATTERN)
    async def book(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        await shared.hand_off(ack, "book", lambda: _open_form(body, client, respond), respond)

    async def _open_form(body: dict[str, Any], client: AsyncWebClient, respond: Respond) -> None:
        ref = BookRef.decode(_action(body).get("value", ""))
        meta = ModalMeta(
            key=secrets.token_hex(16),  # one key per modal: one booking per modal
            composite_id=ref.composite_id,
            venue_id=ref.venue_id,
            channel_id=channel_of(body),
            date=ref.date,
            party=ref.party,
        )
        view = await open_modal(
            shared, client, body, loading_view(meta), respond, what="booking form", button="Book"
        )
        if view is not None:
            await load_form(ctx, shared, client, meta, view, user_of(body), wanted_time=ref.time)

    @app.action(ids.DATE.action_id)
    @app.action(ids.PARTY.action_id)
    @app.action(ids.SLOT.action_id)  # dispatched only to clear a stale notice under it
    @app.action(ids.RELOAD_TIMES_ACTION)
    async def refresh_times(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        # No response_url in a modal: when busy, the times just stay (Reload times retries).
        await shared.hand_off(ack, "refresh times", lambda: _refresh_times(body, client))

    async def _refresh_times(body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body.get("view") or {}
        view_id = view.get("id", "")
        shared.views.saw(view)
        ticket = shared.views.begin(view_id)
        try:
            meta = ModalMeta.decode(view.get("private_metadata", ""))
            values = read_state((view.get("state") or {}).get("values") or {})
            form = await fill_form(ctx, meta, values)
        except Exception as error:  # Bookable errors are shown in the form; this is a bug
            failure_text(error, "refreshing times")  # logs it with an incident id
            return
        await shared.views.update(client, view_id, form, view_hash=view.get("hash"), ticket=ticket)

    @app.action(ids.CANCEL_PATTERN)
    async def cancel(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        await shared.hand_off(ack, "cancel", lambda: _try_cancel(body, client, respond), respond)

    async def _try_cancel(body: dict[str, Any], client: AsyncWebClient, respond: Respond) -> None:
        try:
            await _cancel(body, client, respond)
        except Exception as error:
            if home_ref_of(body) is not None:  # a Home tab has no response_url: say it there
                notice = ":warning: " + failure_text(error, "cancelling a booking")
                await _on_home(body, client, notice)
            else:
                await report_failure(error, respond, "cancelling a booking")

    async def _cancel(body: dict[str, Any], client: AsyncWebClient, respond: Respond) -> None:
        booking_id = _action(body).get("value")
        if not isinstance(booking_id, str) or not booking_id:
            raise StaleReference("cancel button without a booking id")
        user_id = user_of(body)
        outcome = await cancel_from_slack(
            ctx.booking, shared.users, client,
            booking_id=booking_id, team_id=team_of(body), user_id=user_id,
        )  # fmt: skip
        from_home = home_ref_of(body) is not None
        if outcome.refusal is not None:
            if from_home:
                await _on_home(body, client, outcome.refusal["text"])
            else:
                await tell(respond, outcome.refusal)
            return
        if outcome.cancelled is None:
            return
        notice = "Cancelled: " + bold(clip_line(outcome.cancelled.venue_name, 100))
        if from_home:
            await _on_home(body, client, notice)
        else:  # the booker's Home tab lists it
            await shared.home.booking_changed(outcome.cancelled.booking_id)
        if (body.get("container") or {}).get("is_ephemeral"):
            # Cancelled from `/bookable bookings`: that list, refreshed.
            records = await ctx.booking.bookings_for(outcome.cancelled.team_id, user_id)
            await tell(respond, my_bookings(records, notice=notice), replace=True)

    async def _on_home(body: dict[str, Any], client: AsyncWebClient, notice: str) -> None:
        """The clicker's Home tab again, as it was paged, with `notice` at the top."""
        ref = home_ref_of(body) or HomeRef()
        await shared.home.publish(team_of(body), user_of(body), ref, notice=notice, client=client)

    @app.action(ids.UNSUBSCRIBE_PATTERN)
    async def unsubscribe(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        await shared.hand_off(
            ack, "unsubscribe", lambda: _unsubscribe(body, client, respond), respond
        )

    async def _unsubscribe(body: dict[str, Any], client: AsyncWebClient, respond: Respond) -> None:
        channel = channel_of(body)
        if channel is None:
            raise StaleReference("unsubscribe button outside a channel")
        asker = Asker(team_of(body), channel, user_of(body))
        value = str(_action(body).get("value") or "")
        answer = await unsubscribe_one(ctx.store, client, asker, value)
        await tell(respond, answer, replace=True)
