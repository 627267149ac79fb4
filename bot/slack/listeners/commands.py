"""`/bookable`: ack at once (or say we are busy), then the queued follow-up does the work
and answers through response_url."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import AppContext
from bot.slack import ids
from bot.slack.blocks import subscriptions as subscription_blocks
from bot.slack.blocks.bookings import my_bookings
from bot.slack.blocks.help import help_message
from bot.slack.blocks.search import PAGE_SIZE, searching
from bot.slack.followups import BUSY_TEXT
from bot.slack.ids import PageRef
from bot.slack.listeners.plans import open_plan_modal
from bot.slack.listeners.results import show_results
from bot.slack.listeners.shared import (
    Respond,
    Shared,
    report_failure,
    tell,
)
from bot.slack.parsing import (
    Help,
    ListSubscriptions,
    MyBookings,
    Search,
    StartPlan,
    Subscribe,
    Unsubscribe,
    parse_command,
)
from bot.slack.subscribing import Asker, subscribe, unsubscribe
from bot.slack.users import today_in


def register(app: AsyncApp, ctx: AppContext, shared: Shared) -> None:
    @app.command(ids.COMMAND)
    async def bookable_command(
        ack: AsyncAck, command: dict[str, Any], respond: Respond, client: AsyncWebClient
    ) -> None:
        # UTC is good enough to tell commands apart; a search is re-read in the user's zone.
        parsed = parse_command(command.get("text", ""), today=datetime.now(UTC).date())
        if isinstance(parsed, Help):
            await ack(response_type="ephemeral", **help_message(parsed.problem, parsed.example))
            return
        if isinstance(parsed, StartPlan):  # the modal first: the trigger id lasts 3 s
            await ack()
            await open_plan_modal(
                ctx, shared, client, command["trigger_id"], command["user_id"],
                command["channel_id"], respond,
            )  # fmt: skip
            return
        what = f"/bookable {type(parsed).__name__}"

        async def follow_up() -> None:
            try:
                await _run(parsed, command, respond, client)
            except Exception as error:
                await report_failure(error, respond, what)

        if not shared.followups.submit(what, follow_up):
            await ack(response_type="ephemeral", text=BUSY_TEXT)
        elif isinstance(parsed, Search):
            await ack(response_type="ephemeral", text=searching(_page_ref(parsed)))
        else:
            await ack()

    async def _run(
        parsed: Any, command: dict[str, Any], respond: Respond, client: AsyncWebClient
    ) -> None:
        team, user, channel = command["team_id"], command["user_id"], command["channel_id"]
        if isinstance(parsed, Search):
            await _search(command, user, respond, client)
        elif isinstance(parsed, MyBookings):
            records = await ctx.booking.bookings_for(team, user)
            await tell(respond, my_bookings(records))
        elif isinstance(parsed, ListSubscriptions):
            subscriptions = await ctx.store.list_subscriptions(team, channel)
            await tell(respond, subscription_blocks.subscription_list(subscriptions))
        elif isinstance(parsed, Subscribe):
            asker = Asker(team, channel, user)
            await tell(
                respond, await subscribe(ctx.store, ctx.booking, client, asker, parsed.filters)
            )
        elif isinstance(parsed, Unsubscribe):
            asker = Asker(team, channel, user)
            await tell(respond, await unsubscribe(ctx.store, client, asker, parsed.filters))

    async def _search(
        command: dict[str, Any], user: str, respond: Respond, client: AsyncWebClient
    ) -> None:
        profile = await shared.users.get(user, client)
        today = today_in(profile.tz if profile else None)
        parsed = parse_command(command.get("text", ""), today=today)
        if not isinstance(parsed, Search):  # e.g. "today" in the user's zone is a new day
            problem, example = getattr(parsed, "problem", None), getattr(parsed, "example", None)
            await tell(respond, help_message(problem, example), replace=True)
            return
        ref = _page_ref(parsed)
        result = await ctx.booking.search(
            words=ref.words, group=ref.group, features=ref.features, page=1, size=PAGE_SIZE
        )
        ref = PageRef(**{**ref.__dict__, "by_description": result.matched_description})
        await show_results(ctx, respond, result, ref)


def _page_ref(search: Search) -> PageRef:
    return PageRef(
        words=search.words,
        group=search.group,
        features=search.features,
        date=search.date,
        party=search.party,
        page=1,
        time=search.time,
    )
