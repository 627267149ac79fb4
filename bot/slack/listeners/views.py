"""The booking form's submission.

Field errors must come back in the view_submission response itself (within 3 s), so local
validation happens first and answers `response_action="errors"`. A valid form is acked with
an "update" to a "Booking…" view, and the Bookable call runs after the ack; its outcome is
shown with `views.update`: the result, or the form again with the problem under the field
it concerns (e.g. a time taken meanwhile, with the times reloaded). Calling Bookable before
acking was rejected: with Bookable's latency the 3 s deadline would be missed.

The booking itself is a follow-up job (`FollowUps`), queued before the ack: when the queue
is full the form stays open with "busy" under a field and nothing is booked.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.bookable.errors import BookableError
from bot.bookable.models import BookingRequest, SlotType
from bot.context import AppContext
from bot.service.booking import BookingContext, CreateOutcome
from bot.slack import ids
from bot.slack.blocks.modal import message_view, progress_view, result_view
from bot.slack.followups import BUSY_TEXT
from bot.slack.form import FormInput, Offered, read_state, validate
from bot.slack.ids import ModalMeta
from bot.slack.listeners.modal_flow import fill_form
from bot.slack.listeners.shared import (
    Shared,
    failure_text,
    log,
    team_of,
    user_of,
)
from bot.slack.user_errors import explain
from bot.slack.users import today_in
from bot.store.records import BookingRecord


def _input_blocks(view: dict[str, Any]) -> set[str]:
    return {
        str(block.get("block_id"))
        for block in view.get("blocks") or []
        if block.get("type") == "input"
    }


def unconfirmed_text(meta: ModalMeta) -> str:
    """Bookable may have booked without a clear answer: no retry offered (it could book
    twice); the confirmation follows when its webhook matches this submission, or the
    booker is told what to check if it never does."""
    channel = meta.channel_id or ""
    in_channel = channel and not channel.startswith("D")
    where = f"in <#{channel}> (or in our DM)" if in_channel else "in our direct messages"
    return (
        ":warning: *Bookable didn't answer in time* (or not clearly), so I can't tell yet "
        "whether this table was booked. It may well have gone through: if it did, I'll "
        f"post the confirmation {where}. Please wait for it before booking this again; "
        "if I can't find out, I'll tell you what to check."
    )


def progress_text(request: BookingRequest) -> str:
    if request.type is SlotType.REQUEST:
        return "Sending your enquiry to the venue…"
    return "Booking your table…"


def confirmation_text(record: BookingRecord, *, already: bool) -> str:
    """Where the confirmation goes: the notifier posts it from the outbox, in the search's
    channel or, if it can't post there, in the booker's DM."""
    if already and record.message_ts:
        return "Already booked — see the confirmation message."
    channel = record.channel_id
    if channel and not channel.startswith("D"):
        return (
            f"The confirmation is on its way to <#{channel}> "
            "(or to our direct messages if I can't post there)."
        )
    return "The confirmation is on its way to our direct messages."


def _busy_block(present: set[str]) -> str:
    """The input block that carries the busy message (the form stays, nothing booked)."""
    for field in (ids.SLOT, ids.DATE, ids.PARTY):
        if field.block_id in present:
            return field.block_id
    return min(present, default=ids.DATE.block_id)


def register(app: AsyncApp, ctx: AppContext, shared: Shared) -> None:
    @app.view(ids.BOOKING_CALLBACK)
    async def submit_booking(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        try:
            meta = ModalMeta.decode(view.get("private_metadata", ""))
        except ValueError as error:
            log.info("booking form submission refused: %s", error)
            await ack()  # not our form any more: nothing sensible to validate
            return
        values = read_state((view.get("state") or {}).get("values") or {})
        present = _input_blocks(view)
        offered = Offered(
            slots=ids.SLOT.block_id in present,
            preorders=ids.PREORDERS.block_id in present,
            preorder_required=meta.preorder_required,
        )
        request, errors = validate(values, today=today_in(meta.tz), offered=offered)
        if request is None:
            await ack(response_action="errors", errors=errors)
            return
        view_id = view.get("id", "")
        where = BookingContext(
            team_id=team_of(body),
            user_id=user_of(body),
            channel_id=meta.channel_id or "",
            composite_id=meta.composite_id,
            venue_name=meta.venue_name,
            product_name=meta.product_name,
            venue_group=meta.group_name,
        )
        # Taken or refused before the ack: once acked, a booking is never dropped.
        job = partial(_book, client, view_id, meta, values, where, request)
        if not shared.followups.submit(f"booking (submission {meta.key})", job):
            await ack(response_action="errors", errors={_busy_block(present): BUSY_TEXT})
            return
        shared.views.begin(view_id)  # a refresh still in flight must not bring the form back
        await ack(response_action="update", view=progress_view(meta, progress_text(request)))

    async def _book(
        client: AsyncWebClient,
        view_id: str,
        meta: ModalMeta,
        values: FormInput,
        where: BookingContext,
        request: BookingRequest,
    ) -> None:
        try:
            outcome = await ctx.booking.create(meta.key, where, request)
        except BookableError as error:
            await _show_refusal(client, view_id, meta, values, error)
            return
        except Exception as error:
            text = failure_text(error, f"booking (submission {meta.key})")
            await shared.views.update(client, view_id, message_view(meta, text))
            return
        try:
            await _finish(client, view_id, meta, outcome)
        except Exception as error:  # the booking exists: say so, whatever else failed
            text = failure_text(error, f"confirming booking (submission {meta.key})")
            if outcome.record is not None:
                await shared.views.update(client, view_id, result_view(meta, outcome.record, text))

    async def _show_refusal(
        client: AsyncWebClient,
        view_id: str,
        meta: ModalMeta,
        values: FormInput,
        error: BookableError,
    ) -> None:
        """The form again (times reloaded), the problem under its field or at the top."""
        text = failure_text(error, f"booking (submission {meta.key})")
        explained = explain(error)
        if explained.retry_times:
            values.slot = None  # the chosen time is gone
        if explained.field:
            form = await fill_form(ctx, meta, values, notices={explained.field: text})
        else:
            form = await fill_form(ctx, meta, values, notice=":warning: " + text)
        await shared.views.update(client, view_id, form)

    async def _finish(
        client: AsyncWebClient, view_id: str, meta: ModalMeta, outcome: CreateOutcome
    ) -> None:
        if outcome.state == "in_progress":
            return  # the request that is booking will show the result
        if outcome.state == "unconfirmed":
            await shared.views.update(client, view_id, message_view(meta, unconfirmed_text(meta)))
            return
        record = outcome.record
        if record is None:
            text = "This form was already submitted. See `/bookable bookings`."
            await shared.views.update(client, view_id, message_view(meta, text))
            return
        where = confirmation_text(record, already=outcome.state == "done")
        await shared.views.update(client, view_id, result_view(meta, record, where))

    @app.view(ids.RESULT_CALLBACK)
    async def close_result(ack: AsyncAck) -> None:
        await ack()
