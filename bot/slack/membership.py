"""Who may change a channel's subscriptions: a member of it, in a channel the bot is in
(otherwise its updates could not be posted there). Slack-facing, used by `/bookable`."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import subscriptions as subscription_blocks
from bot.slack.errors import BOT_NOT_IN_CHANNEL, error_code

log = logging.getLogger(__name__)


async def membership_problem(
    client: AsyncWebClient, channel: str, user: str
) -> dict[str, Any] | None:
    """None if `user` may change the channel's subscriptions, else the refusal to show."""
    cursor = None
    try:
        info = await client.conversations_info(channel=channel)
        if not (info.get("channel") or {}).get("is_member", True):
            return subscription_blocks.bot_not_in_channel()  # updates could not be posted
        while True:
            response = await client.conversations_members(channel=channel, cursor=cursor, limit=200)
            if user in (response.get("members") or []):
                return None
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return subscription_blocks.not_a_member()
    except SlackApiError as error:
        code = error_code(error)
        log.info("membership check in %s failed: %s", channel, code)
        if code in BOT_NOT_IN_CHANNEL:
            return subscription_blocks.bot_not_in_channel()
        raise
