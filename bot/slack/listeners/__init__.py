"""Bolt listeners, split by kind (as in Slack's bolt-python starter template). Listeners
are thin: ack, parse, call the booking service, answer with a builder's output."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.context import AppContext
from bot.slack.listeners import (
    accounts,
    actions,
    changes,
    commands,
    home,
    options,
    plans,
    search_modal,
    views,
)
from bot.slack.listeners.shared import Shared


def register_listeners(app: AsyncApp, ctx: AppContext, shared: Shared) -> None:
    accounts.register(app, ctx, shared)  # first: its middleware picks the Bookable account
    commands.register(app, ctx, shared)
    actions.register(app, ctx, shared)
    views.register(app, ctx, shared)
    changes.register(app, ctx, shared)
    options.register(app, ctx, shared)
    plans.register(app, ctx, shared)
    home.register(app, ctx, shared)
    search_modal.register(app, ctx, shared)
