"""`build_bolt_app(ctx, followups, home)`: the Bolt AsyncApp with every listener registered."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.context import AppContext
from bot.slack.blocks.common import simple_message
from bot.slack.followups import FollowUps
from bot.slack.home import HomePublisher
from bot.slack.listeners import register_listeners
from bot.slack.listeners.shared import Shared, failure_text, tell
from bot.slack.oauth import oauth_app_options, register_workspace_events
from bot.slack.users import UserDirectory

log = logging.getLogger(__name__)


def build_bolt_app(
    ctx: AppContext, followups: FollowUps, home: HomePublisher | None = None
) -> AsyncApp:
    """`home` publishes App Home tabs; pass the one the notifier also calls."""
    secret = ctx.settings.slack_signing_secret
    app = AsyncApp(
        signing_secret=secret.get_secret_value() if secret else None,
        client=ctx.slack,
        # Listeners only ack and queue their follow-up (`FollowUps`), so Bolt may await them
        # and answer at once. With False, Bolt runs each listener as a task and polls for its
        # ack every 10 ms, while the follow-up work competes with that poll for the loop.
        process_before_response=True,
        request_verification_enabled=True,
        logger=logging.getLogger("slack_bolt"),
        **oauth_app_options(ctx.settings, ctx.store, ctx.slack),
    )
    register_workspace_events(app, ctx.settings, ctx.store)
    home = home or HomePublisher(ctx.store, ctx.slack, UserDirectory(ctx.slack))
    register_listeners(app, ctx, Shared(home.users, followups, home=home))

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], respond: Any = None) -> None:
        """Last resort for anything a listener did not handle: log with an incident id and
        apologise where we can still answer."""
        what = f"Slack request {body.get('type') or 'command'}"
        text = failure_text(error, what)
        if isinstance(body, dict) and body.get("response_url"):
            # Bolt awaits this before answering Slack: apologise after the answer.
            followups.notify(what, lambda: tell(respond, simple_message(text)))

    return app
