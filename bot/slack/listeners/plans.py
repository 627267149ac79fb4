"""Team meal plans: `/bookable plan` opens the plan modal (venues from the search; choosing
an option's venue or date shows its free times there), its submission posts the plan, and
the message's buttons vote, show who's in and bring back the organiser control, the
ephemeral with Book it and Close. Listeners ack, parse and call `PlanService`. Who may book
or close is checked here for every click: an ephemeral's buttons can be forged like any
other."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import AppContext
from bot.service.plans import MODAL_PARTY, PlanDraft, UnknownVenue
from bot.slack import ids
from bot.slack.blocks import plan as blocks
from bot.slack.blocks.common import simple_message
from bot.slack.form import profile_phone
from bot.slack.ids import StaleReference, parse_plan_value
from bot.slack.listeners.shared import (
    Respond,
    Shared,
    channel_of,
    failure_text,
    log,
    report_failure,
    team_of,
    tell,
    user_of,
)
from bot.slack.plan_form import ChosenVenue, chosen_so_far, read_plan
from bot.slack.users import today_in
from bot.store.records import Plan

MENU_SIZE = 20  # venues searched per keystroke in the venue menu
GONE_TEXT = "This plan is closed or no longer exists."


async def open_plan_modal(
    ctx: AppContext, shared: Shared, client: AsyncWebClient, trigger_id: str, user_id: str,
    channel_id: str, respond: Respond | None, *, chosen: Sequence[tuple[str, str]] = (),
) -> None:  # fmt: skip
    """The plan modal, with the organiser's phone from their profile when it reads as one."""
    profile = await shared.users.get(user_id, client)
    today = today_in(profile.tz if profile else None)
    view = blocks.plan_modal(
        channel_id,
        today=today,
        phone=profile_phone(profile.phone) if profile else "",
        chosen=chosen,
    )
    try:
        opened = await client.views_open(trigger_id=trigger_id, view=view)
    except Exception as error:
        await report_failure(error, respond, "opening the plan form")
        return
    if chosen:  # venues from search results, on today's date: their times follow
        preset = [ChosenVenue(n, composite_id, today) for n, (composite_id, _) in enumerate(chosen)]
        shown = dict(opened.get("view") or {})
        shared.followups.submit(
            "plan free times", lambda: show_times(ctx, shared, client, shown, preset)
        )


async def show_times(
    ctx: AppContext, shared: Shared, client: AsyncWebClient, view: dict[str, Any],
    chosen: Sequence[ChosenVenue],
) -> None:  # fmt: skip
    """The plan modal with a line of free times under each chosen option (none where not
    known now). Quick choices race; `ViewSync` lets only the newest write, with the newest
    hash."""
    view_id = str(view.get("id") or "")
    shared.views.saw(view)
    ticket = shared.views.begin(view_id)
    found = await asyncio.gather(*(ctx.plans.free_times(c.composite_id, c.date) for c in chosen))
    lines = {
        c.position: blocks.modal_times_line(c.date, times, MODAL_PARTY)
        for c, times in zip(chosen, found, strict=True)
        if times is not None
    }
    shown = blocks.with_free_times(view, lines)
    await shared.views.update(client, view_id, shown, view_hash=view.get("hash"), ticket=ticket)


def register(app: AsyncApp, ctx: AppContext, shared: Shared) -> None:
    @app.options(ids.PLAN_VENUE_ACTION)
    async def venue_suggestions(ack: AsyncAck, body: dict[str, Any]) -> None:
        words = str(body.get("value") or "").strip()[:100]
        options: list[dict[str, Any]] = []
        if len(words) >= 2:
            try:
                found = await ctx.booking.search(words=words, size=MENU_SIZE)
                options = [
                    blocks.venue_option(
                        product.composite_id,
                        blocks.venue_label(venue.name, product.product_name or ""),
                    )
                    for venue in found.venues
                    for product in venue.products
                ][: blocks.MAX_VENUE_OPTIONS]
            except Exception:
                log.exception("plan venue suggestions failed")
        await ack(options=options)

    async def show_free_times(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """A venue or date chosen in the plan modal: each option with both gets a line of
        its free times that day."""
        view = body.get("view") or {}
        if view.get("callback_id") != ids.PLAN_CALLBACK:
            await ack()
            return
        chosen = chosen_so_far((view.get("state") or {}).get("values") or {})
        await shared.hand_off(
            ack, "plan free times", lambda: show_times(ctx, shared, client, view, chosen)
        )

    for action_id in (ids.PLAN_VENUE_ACTION, ids.PLAN_DATE_ACTION):
        app.action(action_id)(show_free_times)

    @app.action(ids.PLAN_START_ACTION)
    async def plan_from_results(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        """Plan with the channel (search results): the modal with that page's venues."""
        await ack()
        wanted = chosen_venues((body.get("actions") or [{}])[0].get("value"))
        # From the search just shown: cached, well within the trigger's 3 s.
        chosen = [
            (product.composite_id, blocks.venue_label(venue.name, product.product_name or ""))
            for venue, product in await ctx.plans.known_products(wanted)
        ]
        await open_plan_modal(
            ctx, shared, client, str(body.get("trigger_id") or ""), user_of(body),
            channel_of(body) or "", respond, chosen=chosen,
        )  # fmt: skip

    @app.view(ids.PLAN_CALLBACK)
    async def submit_plan(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user, team = user_of(body), team_of(body)
        channel = str(view.get("private_metadata") or "")
        profile = await shared.users.get(user, client)
        now = datetime.now(UTC)
        entered, errors = read_plan(
            (view.get("state") or {}).get("values") or {},
            today=today_in(profile.tz if profile else None), now=now,
        )  # fmt: skip
        if not channel.startswith(("C", "G")):
            errors = {**errors, ids.PLAN_NOTE.block_id: "Start a plan from a channel."}
        if entered is None or errors:
            await ack(response_action="errors", errors=errors)
            return
        booker = {
            "firstName": (profile.first_name if profile else "") or "Slack",
            "lastName": (profile.last_name if profile else "") or "user",
            "email": (profile.email if profile else "") or "unknown@example.com",
            "phone": entered.phone,
        }
        draft = PlanDraft(
            team_id=team, channel_id=channel, organiser_id=user, options=entered.options,
            booker=booker, note=entered.note, deadline=entered.deadline,
        )  # fmt: skip

        async def post() -> None:
            try:
                await ctx.plans.create(draft)
            except UnknownVenue as unknown:
                await _whisper(
                    client,
                    channel,
                    user,
                    f"Option {unknown.position + 1}: I can't find that venue any more.",
                )
            except Exception as error:  # logged with an incident id the person is given
                await _whisper(client, channel, user, failure_text(error, "posting a plan"))

        await shared.hand_off(ack, "plan", post)

    @app.action(ids.PLAN_VOTE_PATTERN)
    async def vote(ack: AsyncAck, body: dict[str, Any], respond: Respond) -> None:
        await shared.hand_off(
            ack, "plan vote", lambda: _vote(body, respond, with_position=True), respond
        )

    @app.action(ids.PLAN_CANT_ACTION)
    async def cannot(ack: AsyncAck, body: dict[str, Any], respond: Respond) -> None:
        await shared.hand_off(
            ack, "plan vote", lambda: _vote(body, respond, with_position=False), respond
        )

    async def _vote(body: dict[str, Any], respond: Respond, *, with_position: bool) -> None:
        plan, position = await _plan_of(body, with_position=with_position)
        if plan is None or await ctx.plans.vote(plan, user_of(body), position) == "closed":
            await tell(respond, simple_message(GONE_TEXT))

    @app.action(ids.PLAN_WHO_ACTION)
    async def who(ack: AsyncAck, body: dict[str, Any], respond: Respond) -> None:
        async def show() -> None:
            plan, _ = await _plan_of(body)
            await tell(respond, blocks.who_is_in(plan) if plan else simple_message(GONE_TEXT))

        await shared.hand_off(ack, "who's in", show, respond)

    @app.action(ids.PLAN_TOOLS_ACTION)
    async def tools(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        """Organiser tools: the organiser control again (ephemerals vanish on reload)."""

        async def show() -> None:
            plan, _ = await _managed(body, client, respond)
            if plan is not None:
                await tell(respond, blocks.organiser_control(plan))

        await shared.hand_off(ack, "plan tools", show, respond)

    @app.action(ids.PLAN_BOOK_ACTION)
    async def book(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        async def run() -> None:
            plan, position = await _managed(body, client, respond)
            if plan is None:
                return
            in_control = _in_control(body)
            if in_control and plan.state == "open":  # no second press while it books
                await tell(respond, blocks.control_note(plan, blocks.BOOKING_TEXT), replace=True)
            outcome = await ctx.plans.book(plan, position)
            now = await ctx.plans.plan(plan.plan_id, plan.team_id) or plan
            await tell(respond, blocks.control_outcome(now, outcome), replace=in_control)

        await shared.hand_off(ack, "plan book", run, respond)

    @app.action(ids.PLAN_CLOSE_ACTION)
    async def close(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        async def run() -> None:
            plan, _ = await _managed(body, client, respond)
            if plan is not None:
                await ctx.plans.close(plan)
                now = await ctx.plans.plan(plan.plan_id, plan.team_id) or plan
                control = blocks.organiser_control(now)
                await tell(respond, control, replace=_in_control(body))

        await shared.hand_off(ack, "plan close", run, respond)

    async def _plan_of(
        body: dict[str, Any], *, with_position: bool = False
    ) -> tuple[Plan | None, int | None]:
        action = (body.get("actions") or [{}])[0]
        try:
            plan_id, position = parse_plan_value(action.get("value"), with_position=with_position)
        except StaleReference as error:
            log.info("plan button refused: %s", error)
            return None, None
        plan = await ctx.plans.plan(plan_id, team_of(body))
        if plan is not None and plan.channel_id != channel_of(body):
            return None, None  # a value copied into another channel's payload
        return plan, position

    async def _managed(
        body: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> tuple[Plan | None, int | None]:
        """The plan (and the option a Book option N names), if the clicker organised it or
        is an admin; else they are told why not."""
        value = str((body.get("actions") or [{}])[0].get("value") or "")
        plan, position = await _plan_of(body, with_position=":" in value)
        if plan is None:
            await tell(respond, simple_message(GONE_TEXT))
            return None, None
        user = user_of(body)
        if user != plan.organiser_id and user not in ctx.settings.admin_user_ids():
            profile = await shared.users.get(user, client)
            if not (profile and profile.is_admin):
                await tell(respond, simple_message(blocks.refusal(plan)))
                return None, None
        return plan, position


def _in_control(body: dict[str, Any]) -> bool:
    """Pressed in the organiser control (an ephemeral, replaced in place with the outcome),
    not in a plan message posted before Book it moved there (never replaced)."""
    return bool((body.get("container") or {}).get("is_ephemeral"))


async def _whisper(client: AsyncWebClient, channel: str, user: str, text: str) -> None:
    try:
        await client.chat_postEphemeral(channel=channel, user=user, **simple_message(text))
    except Exception as error:
        log.warning("could not tell %s about their plan (%s)", user, type(error).__name__)


def chosen_venues(value: Any) -> list[str]:
    """The compositeIds a Plan with the channel button carries (a JSON list); anything
    else (a forged value) chooses nothing."""
    try:
        found = json.loads(str(value or ""))
    except ValueError:
        return []
    if not isinstance(found, list):
        return []
    return [c for c in found if isinstance(c, str) and 0 < len(c) <= 150][: ids.PLAN_OPTIONS]
