"""The booking modal's moving parts, shared by the action and view listeners (and the
Change modal's): building the form from live availability, and refreshing it in place."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.bookable.errors import BookableError
from bot.bookable.models import SlotType, Venue
from bot.context import AppContext
from bot.slack import ids
from bot.slack.blocks.common import human_date
from bot.slack.blocks.modal import FormState, booking_form, change_form, message_view
from bot.slack.form import FormInput, profile_phone
from bot.slack.ids import ModalMeta, slot_value
from bot.slack.listeners.shared import Shared, failure_text, log
from bot.slack.parsing import MAX_PARTY, MIN_PARTY
from bot.slack.user_errors import explain
from bot.slack.users import today_in


async def load_venue(ctx: AppContext, meta: ModalMeta) -> Venue | None:
    """The venue (names, preorders); the form still works without it."""
    try:
        return await ctx.booking.venue_for(meta.venue_id, meta.composite_id)
    except BookableError as error:
        log.warning("venue %s unavailable for the modal: %s", meta.venue_id, error)
        return None


def apply_venue(meta: ModalMeta, venue: Venue | None) -> None:
    if venue is None:
        return
    product = venue.product(meta.composite_id)
    meta.venue_name = meta.venue_name or venue.name
    meta.group_name = meta.group_name or venue.venue_group_name
    if product is not None:
        meta.product_name = meta.product_name or product.product_name
        meta.preorder_required = product.pre_order_required


async def form_state(
    ctx: AppContext,
    meta: ModalMeta,
    values: FormInput,
    *,
    venue: Venue | None = None,
    notices: dict[str, str] | None = None,
    notice: str | None = None,
    wanted_time: str | None = None,
) -> FormState:
    """Live availability for the values' date and party size, as a form state.

    Bookable failures become a notice in the form (under the date when they are about
    the date), so the user can change the date or try again. `wanted_time` (a time button
    in the results) is chosen if it is still free, else the form says it is gone.
    """
    state = FormState(values=values, venue=venue, notice=notice, field_notices=dict(notices or {}))
    party = values.party_size()
    problems: dict[str, str] = {}
    if party is None or not MIN_PARTY <= party <= MAX_PARTY:
        problems[ids.PARTY.block_id] = f"Enter a party size from {MIN_PARTY} to {MAX_PARTY}."
    if values.date is None or values.date < today_in(meta.tz):
        problems[ids.DATE.block_id] = "Pick today or a later date."
    if problems or values.date is None or party is None:
        for block_id, text in problems.items():
            state.field_notices.setdefault(block_id, text)
        return state  # no times to ask Bookable for
    try:
        state.availability = await ctx.booking.availability(
            meta.composite_id, on=values.date, party=party
        )
        if wanted_time:
            choose_time(state, wanted_time, values.date, party)
    except Exception as error:
        text = failure_text(error, f"availability for {meta.composite_id}")
        where = explain(error).field if isinstance(error, BookableError) else None
        if where == ids.DATE.block_id:
            state.field_notices[where] = text
        else:
            state.notice = ":warning: " + text + (f"\n{state.notice}" if state.notice else "")
    return state


def choose_time(state: FormState, wanted: str, on: date, party: int) -> None:
    """Select the slot at `wanted` (HH:MM), or say under the times that it is gone."""
    available = state.availability.times if state.availability is not None else []
    slot = next(
        (s for s in available if s.time[:5] == wanted and s.type is not SlotType.UNKNOWN), None
    )
    if slot is not None:
        state.values.slot = slot_value(slot.time, slot.type.value, on, party)
    else:
        state.field_notices.setdefault(
            ids.SLOT.block_id,
            f"{wanted} on {human_date(on)} is no longer free. Pick another time.",
        )


async def fill_form(
    ctx: AppContext,
    meta: ModalMeta,
    values: FormInput,
    *,
    notices: dict[str, str] | None = None,
    notice: str | None = None,
    wanted_time: str | None = None,
) -> dict[str, Any]:
    """Venue and availability in parallel, then the form view (the Change modal's when
    `meta` is a change). `notice` and `notices` are escaped text for the top of the form
    and under inputs (by block id)."""
    venue, state = await asyncio.gather(
        load_venue(ctx, meta),
        form_state(ctx, meta, values, notices=notices, notice=notice, wanted_time=wanted_time),
    )
    apply_venue(meta, venue)
    state.venue = venue
    return change_form(meta, state) if meta.is_change else booking_form(meta, state)


def default_values(meta: ModalMeta, today: date, profile: Any) -> FormInput:
    on = meta.date if meta.date and meta.date >= today else today
    return FormInput(
        date=on,
        party=str(meta.party or 2),
        first_name=getattr(profile, "first_name", "") or "",
        last_name=getattr(profile, "last_name", "") or "",
        email=getattr(profile, "email", "") or "",
        phone=profile_phone(getattr(profile, "phone", "") or ""),
    )


PASSED_DAY = "The day of that time has passed: here are today's times."


async def load_form(
    ctx: AppContext,
    shared: Shared,
    client: AsyncWebClient,
    meta: ModalMeta,
    view: dict[str, Any],
    user_id: str,
    *,
    wanted_time: str | None = None,
) -> None:
    """Replace a just opened (or pushed) loading view with the booking form, filled in
    with the user's profile and live availability (`wanted_time` chosen when still free)."""
    shared.views.saw(view)
    view_id = view.get("id", "")
    ticket = shared.views.begin(view_id)
    try:
        profile = await shared.users.get(user_id, client)
        meta.tz = profile.tz if profile else None
        values = default_values(meta, today_in(meta.tz), profile)
        # A time button's time, on the day it was shown for; if that day has passed
        # (results kept open overnight), today's times and a word under the date.
        passed = bool(wanted_time and meta.date and values.date != meta.date)
        notices = {ids.DATE.block_id: PASSED_DAY} if passed else None
        wanted = None if passed else wanted_time
        form = await fill_form(ctx, meta, values, notices=notices, wanted_time=wanted)
    except Exception as error:
        form = message_view(meta, failure_text(error, "loading the booking form"))
    await shared.views.update(client, view_id, form, view_hash=view.get("hash"), ticket=ticket)
