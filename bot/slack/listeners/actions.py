"""Buttons and inputs: paging, Book (opens the modal), date/party changes, Cancel,
Unsubscribe."""

from __future__ import annotations

import secrets
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import AppContext
from bot.slack import ids
from bot.slack.blocks.bookings import my_bookings
from bot.slack.blocks.common import simple_message
from bot.slack.blocks.modal import loading_view, message_view
from bot.slack.blocks.search import PAGE_SIZE, search_results
from bot.slack.cancellation import cancel_from_slack
from bot.slack.form import read_state
from bot.slack.ids import BookRef, ModalMeta, PageRef, StaleReference
from bot.slack.listeners.modal_flow import default_values, fill_form
from bot.slack.listeners.shared import (
    Respond,
    Shared,
    channel_of,
    failure_text,
    log,
    report_failure,
    slack_error,
    team_of,
    tell,
    user_of,
)
from bot.slack.mrkdwn import bold, clip_line
from bot.slack.subscribing import Asker, unsubscribe_one
from bot.slack.users import today_in


def _action(body: dict[str, Any]) -> dict[str, Any]:
    first = (body.get("actions") or [{}])[0]
    return first if isinstance(first, dict) else {}


def register(app: AsyncApp, ctx: AppContext, shared: Shared) -> None:
    @app.action(ids.PAGE_PATTERN)
    async def change_page(ack: AsyncAck, body: dict[str, Any], respond: Respond) -> None:
        await shared.hand_off(ack, "search page", lambda: _change_page(body, respond), respond)

    async def _change_page(body: dict[str, Any], respond: Respond) -> None:
        try:
            ref = PageRef.decode(_action(body).get("value", ""))
            result = await ctx.booking.search(
                words=ref.words,
                group=ref.group,
                features=ref.features,
                page=ref.page,
                size=PAGE_SIZE,
                by_description=ref.by_description,
            )
            await tell(
                respond, search_results(result.venues, ref, has_next=result.has_next), replace=True
            )
        except Exception as error:
            await report_failure(error, respond, "search page")

    @app.action(ids.BOOK_PATTERN)
    async def book(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        await shared.hand_off(ack, "book", lambda: _open_form(body, client, respond), respond)

    async def _open_form(body: dict[str, Any], client: AsyncWebClient, respond: Respond) -> None:
        try:
            ref = BookRef.decode(_action(body).get("value", ""))
            meta = ModalMeta(
                key=secrets.token_hex(16),  # one key per modal: one booking per modal
                composite_id=ref.composite_id,
                venue_id=ref.venue_id,
                channel_id=channel_of(body),
                date=ref.date,
                party=ref.party,
            )
            # The trigger id expires 3 s after the click: open the modal before any other call.
            opened = await client.views_open(trigger_id=body["trigger_id"], view=loading_view(meta))
        except SlackApiError as error:
            log.warning("views.open failed: %s", slack_error(error))
            await tell(
                respond,
                simple_message(
                    "I couldn't open the booking form in time. Please click *Book* again."
                ),
            )
            return
        except Exception as error:
            await report_failure(error, respond, "opening the booking form")
            return
        view = opened.get("view") or {}
        shared.views.saw(view)
        await _load_form(client, meta, view, user_of(body))

    async def _load_form(
        client: AsyncWebClient, meta: ModalMeta, view: dict[str, Any], user_id: str
    ) -> None:
        view_id = view.get("id", "")
        ticket = shared.views.begin(view_id)
        try:
            profile = await shared.users.get(user_id, client)
            meta.tz = profile.tz if profile else None
            values = default_values(meta, today_in(meta.tz), profile)
            form = await fill_form(ctx, meta, values)
        except Exception as error:
            form = message_view(meta, failure_text(error, "loading the booking form"))
        await shared.views.update(client, view_id, form, view_hash=view.get("hash"), ticket=ticket)

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
        if outcome.refusal is not None:
            await tell(respond, outcome.refusal)
        elif outcome.cancelled and (body.get("container") or {}).get("is_ephemeral"):
            # Cancelled from `/bookable bookings`: that list, refreshed.
            records = await ctx.booking.bookings_for(outcome.cancelled.team_id, user_id)
            notice = "Cancelled: " + bold(clip_line(outcome.cancelled.venue_name, 100))
            await tell(respond, my_bookings(records, notice=notice), replace=True)

    @app.action(ids.UNSUBSCRIBE_PATTERN)
    async def unsubscribe(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        await shared.hand_off(
            ack, "unsubscribe", lambda: _unsubscribe(body, client, respond), respond
        )

    async def _unsubscribe(body: dict[str, Any], client: AsyncWebClient, respond: Respond) -> None:
        try:
            channel = channel_of(body)
            if channel is None:
                raise StaleReference("unsubscribe button outside a channel")
            asker = Asker(team_of(body), channel, user_of(body))
            value = str(_action(body).get("value") or "")
            answer = await unsubscribe_one(ctx.store, client, asker, value)
            await tell(respond, answer, replace=True)
        except Exception as error:
            await report_failure(error, respond, "unsubscribing")
