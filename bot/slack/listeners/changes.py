"""Change a booking: the Change button opens the Change modal (date, party size, live
times, notes, prefilled from Bookable), and its submission changes the booking.

As with booking, the modal opens first (the trigger id lasts 3 s), the submission is
validated locally and answered at once, and the PATCH runs after the ack
(`BookingService.change`: at most one per modal key). A refusal shows the form again with
the problem under its field; the confirmation message and its thread are updated by the
notifier from the outbox. Date and party changes reload the times through the booking
modal's own listeners (`actions.refresh_times`), which build this form for a change.
"""

from __future__ import annotations

import dataclasses
import secrets
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.bookable.errors import BookableError
from bot.context import AppContext
from bot.service.changes import ChangeOutcome, ChangeRequest
from bot.slack import ids
from bot.slack.access import refusal
from bot.slack.blocks.changes import change_summary
from bot.slack.blocks.common import simple_message
from bot.slack.blocks.modal import change_result_view, loading_view, message_view, progress_view
from bot.slack.followups import BUSY_TEXT
from bot.slack.form import NOTES_MAX, FormInput, read_state, validate_change
from bot.slack.ids import ModalMeta, StaleReference, notes_digest, slot_value
from bot.slack.listeners.modal_flow import fill_form
from bot.slack.listeners.shared import (
    Respond,
    Shared,
    failure_text,
    log,
    open_modal,
    team_of,
    tell,
    user_of,
)
from bot.slack.statuses import is_final
from bot.slack.user_errors import explain
from bot.slack.users import today_in
from bot.store.records import BookingDetails, BookingRecord


def change_meta(record: BookingRecord) -> ModalMeta:
    """The Change modal's metadata: a fresh key (one change per modal) and the booking."""
    return ModalMeta(
        key=secrets.token_hex(16),
        composite_id=record.composite_id,
        channel_id=record.channel_id,
        venue_name=record.venue_name,
        product_name=record.product_name,
        group_name=record.venue_group,
        date=record.date,
        party=record.party_size,
        booking_id=record.booking_id,
        time=record.time[:5],
    )


def _booking_id(body: dict[str, Any]) -> str:
    action = (body.get("actions") or [{}])[0]
    value = action.get("value") if isinstance(action, dict) else None
    if not isinstance(value, str) or not value or len(value) > ids.MAX_BUTTON_VALUE:
        raise StaleReference("change button without a booking id")
    return value


def _base(record: BookingRecord, meta: ModalMeta) -> BookingRecord:
    """The booking as the modal showed it (Bookable's details when it opened)."""
    return dataclasses.replace(
        record,
        date=meta.date or record.date,
        time=meta.time or record.time,
        party_size=meta.party or record.party_size,
    )


def register(app: AsyncApp, ctx: AppContext, shared: Shared) -> None:
    async def refused(
        client: AsyncWebClient, record: BookingRecord | None, body: dict[str, Any]
    ) -> str | None:
        return await refusal(
            ctx.booking, shared.users, client, record,
            team_id=team_of(body), user_id=user_of(body), verb="change",
        )  # fmt: skip

    @app.action(ids.CHANGE_PATTERN)
    async def change(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        await shared.hand_off(ack, "change", lambda: _open(body, client, respond), respond)

    async def _open(body: dict[str, Any], client: AsyncWebClient, respond: Respond) -> None:
        # A store read only: the trigger id lasts 3 s, Bookable comes after views.open.
        record = await ctx.booking.get(_booking_id(body))
        if record is None:
            await tell(respond, simple_message("I don't know this booking any more."))
            return
        meta = change_meta(record)
        view = await open_modal(
            shared, client, body, loading_view(meta), respond, what="change form", button="Change"
        )
        if view is None:
            return
        view_id = view.get("id", "")
        ticket = shared.views.begin(view_id)
        try:
            form = await _form(client, body, record, meta)
        except Exception as error:
            form = message_view(meta, failure_text(error, "loading the change form"))
        await shared.views.update(client, view_id, form, view_hash=view.get("hash"), ticket=ticket)

    async def _form(
        client: AsyncWebClient, body: dict[str, Any], record: BookingRecord, meta: ModalMeta
    ) -> dict[str, Any]:
        """The prefilled form; a message instead when this person may not change it."""
        why_not = await refused(client, record, body)
        if why_not is not None:
            return message_view(meta, why_not)
        live = await ctx.booking.live_booking(record.booking_id)
        status = live.status.value.lower()
        if is_final(status):
            return message_view(meta, f"This booking is already {status}: it can't be changed.")
        profile = await shared.users.get(user_of(body), client)
        meta.tz = profile.tz if profile else None
        meta.date = live.date or record.date
        meta.party = live.party_size or record.party_size
        meta.time = (live.time or record.time)[:5]
        notes = (live.notes or "")[:NOTES_MAX]
        meta.notes_digest = notes_digest(notes)
        values = FormInput(
            date=meta.date,
            party=str(meta.party),
            slot=slot_value(meta.time, "book", meta.date, meta.party),
            notes=notes,
        )
        return await fill_form(ctx, meta, values)

    @app.view(ids.CHANGE_CALLBACK)
    async def submit_change(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        try:
            meta = ModalMeta.decode(view.get("private_metadata", ""))
        except ValueError as error:
            meta = None
            log.info("change form submission refused: %s", error)
        if meta is None or not meta.is_change:
            await ack()  # not our form: nothing sensible to validate
            return
        values = read_state((view.get("state") or {}).get("values") or {})
        slots = any(b.get("block_id") == ids.SLOT.block_id for b in view.get("blocks") or [])
        request, errors = validate_change(
            values, today=today_in(meta.tz), slots_offered=slots, opened_notes=meta.notes_digest
        )
        if request is None:
            await ack(response_action="errors", errors=errors)
            return
        view_id = view.get("id", "")
        job = partial(_change, client, body, view_id, meta, values, request)
        if not shared.followups.submit(f"change (submission {meta.key})", job):
            block = ids.SLOT.block_id if slots else ids.DATE.block_id
            await ack(response_action="errors", errors={block: BUSY_TEXT})
            return
        shared.views.begin(view_id)  # a refresh still in flight must not bring the form back
        await ack(response_action="update", view=progress_view(meta, "Changing your booking…"))

    async def _change(
        client: AsyncWebClient,
        body: dict[str, Any],
        view_id: str,
        meta: ModalMeta,
        values: FormInput,
        request: ChangeRequest,
    ) -> None:
        what = f"change (submission {meta.key})"
        try:
            record = await ctx.booking.get(meta.booking_id or "")
            why_not = await refused(client, record, body)
            if why_not is not None or record is None:
                await shared.views.update(client, view_id, message_view(meta, why_not or ""))
                return
            outcome = await ctx.booking.change(
                meta.key, _base(record, meta), user_id=user_of(body), request=request
            )
        except BookableError as error:
            await _show_refusal(client, view_id, meta, values, error)
            return
        except Exception as error:
            await shared.views.update(
                client, view_id, message_view(meta, failure_text(error, what))
            )
            return
        view = await _answer(meta, values, request, outcome)
        if view is not None:
            await shared.views.update(client, view_id, view)

    async def _answer(
        meta: ModalMeta, values: FormInput, request: ChangeRequest, outcome: ChangeOutcome
    ) -> dict[str, Any] | None:
        if outcome.state == "in_progress":
            return None  # the request making the change shows its result
        if outcome.state == "done" and outcome.record is not None:
            return change_result_view(meta, outcome.record, "This change was already saved.")
        if outcome.state == "unchanged":
            notice = (
                ":information_source: Nothing to change: pick another date, time or party "
                "size, or edit the notes."
            )
            return await fill_form(ctx, meta, values, notice=notice)
        assert outcome.record is not None and outcome.before is not None
        summary = change_summary(
            BookingDetails.of(outcome.before),
            BookingDetails.of(outcome.record),
            notes_changed=request.notes_changed,
        )
        return change_result_view(meta, outcome.record, summary)

    async def _show_refusal(
        client: AsyncWebClient,
        view_id: str,
        meta: ModalMeta,
        values: FormInput,
        error: BookableError,
    ) -> None:
        """The form again, times reloaded, the refusal under the field it concerns (the
        time, when Bookable does not say): the booking stays as it was."""
        text = failure_text(error, f"change (submission {meta.key})")
        explained = explain(error)
        if explained.retry_times:
            values.slot = None
        field = (
            explained.field if explained.field in (ids.DATE.block_id, ids.SLOT.block_id) else None
        )
        form = await fill_form(ctx, meta, values, notices={field or ids.SLOT.block_id: text})
        await shared.views.update(client, view_id, form)
