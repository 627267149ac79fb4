"""`/bookable help` (also shown for empty text), and the one-line answer to a command that
could not be read: the problem, then an example to copy, never the whole help."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.slack.blocks.common import context, message, section
from bot.slack.ids import COMMAND
from bot.slack.mrkdwn import clip, escape

USAGE = f"""*Search and book*
`{COMMAND} search dishoom party:4 date:fri time:7pm` find venues by name
   filters: `group:"gordon ramsay"` `feature:dog_friendly` (repeatable) `party:1-50` `time:19:00`
   `date:` `today` `tomorrow` `fri` `next fri` `31/12` `12 Dec` `2030-12-31` `tomorrow 7pm`
`{COMMAND} bookings` your bookings made here, with Cancel buttons
`{COMMAND} plan` plan a team meal here: up to 4 venues and times to vote on; the winner \
is booked for everyone who is in

*Booking updates in this channel*
`{COMMAND} subscribe venue:hawksmoor` (also `group:` `status:`) posts here every status \
change (new, confirmed, declined, cancelled, completed, no-show) of bookings at matching \
venues, whoever made them; a booking made in this channel is followed in its own thread.
`{COMMAND} unsubscribe …` with the same filters, `{COMMAND} subscriptions` to list them \
(with Unsubscribe buttons). Members of the channel can change them; changes are announced."""

MORE_HELP = f"`{COMMAND} help` lists every command."


def help_message(problem: str | None = None, example: str | None = None) -> dict[str, Any]:
    """The full help, or (with a `problem`, raw text) one line saying what to do."""
    if problem:
        line = ":warning: " + clip(problem, 500)
        if example:
            line += f" For example: `{COMMAND} {escape(example)}`"
        return message(line, [section(line), context(MORE_HELP)])
    blocks: list[Block] = [section(USAGE), context("Results and forms are only visible to you.")]
    return message(f"How to use {COMMAND}", blocks)
