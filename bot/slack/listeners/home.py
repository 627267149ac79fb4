"""The App Home tab: published when the user opens it, and again when they page it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import AppContext
from bot.slack import ids
from bot.slack.ids import HomeRef, StaleReference
from bot.slack.listeners.shared import Shared, log, team_of, user_of


def register(app: AsyncApp, ctx: AppContext, shared: Shared) -> None:
    @app.event("app_home_opened")
    async def home_opened(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user, team = event.get("user"), body.get("team_id")
        if event.get("tab") != "home" or not isinstance(user, str) or not isinstance(team, str):
            return  # the Messages tab, or not a payload Slack sends
        # Bolt acks events itself; the publish runs after the answer. When busy, the tab
        # keeps what it showed last (the next visit or booking change publishes it).
        home_team, home_user = team, user

        async def publish() -> None:
            await shared.home.publish(home_team, home_user, client=client)

        if not shared.followups.submit("home tab", publish):
            log.warning("Home tab of %s not published: busy", user)

    @app.action(ids.HOME_VIEW_PATTERN)
    async def page_home(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        action = (body.get("actions") or [{}])[0]
        try:
            ref = HomeRef.decode(action.get("value", "") if isinstance(action, dict) else "")
        except StaleReference as error:
            log.info("home paging refused: %s", error)
            ref = HomeRef()  # an old or forged button: the first page
        team, user = team_of(body), user_of(body)

        async def publish() -> None:
            await shared.home.publish(team, user, ref, client=client)

        await shared.hand_off(ack, "home tab", publish)
