"""`/bookable help` (also shown for empty or unknown text)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.slack.blocks.common import context, message, section
from bot.slack.ids import COMMAND
from bot.slack.mrkdwn import clip

USAGE = f"""*Search and book*
`{COMMAND} search dishoom party:4 date:fri` find venues by name
   filters: `group:"gordon ramsay"` `feature:dog_friendly` (repeatable) \
`date:YYYY-MM-DD|today|tomorrow|mon…sun` `party:1-50`
`{COMMAND} bookings` your bookings made here, with Cancel buttons

*Booking updates in this channel*
`{COMMAND} subscribe venue:hawksmoor` (also `group:` `status:`), \
`{COMMAND} unsubscribe …` with the same filters, `{COMMAND} subscriptions` to list them"""


def help_message(problem: str | None = None) -> dict[str, Any]:
    blocks: list[Block] = []
    if problem:
        blocks.append(section(":warning: " + clip(problem, 500)))
    blocks.append(section(USAGE))
    blocks.append(context("Results and forms are only visible to you."))
    text = clip(problem, 500) if problem else f"How to use {COMMAND}"
    return message(text, blocks)
