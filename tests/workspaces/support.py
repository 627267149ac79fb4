"""Driving two workspaces of one OAuth-mode stack through the fake Slack."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from bot.devtools.fake_slack import BOT_USER_ID, Channel, SlackDriver
from bot.devtools.stack import LocalStack
from bot.slack import ids
from tests.slack.flow import WAIT, book_through_slack, buttons, next_weekday

from .conftest import ALPHA, BETA

# Each workspace books in its own channel (the fake shares one directory between them).
CHANNEL = {ALPHA: "C_GENERAL", BETA: "C_BETA"}
BOOKER = {ALPHA: "U_ALICE", BETA: "U_CAROL"}


def install_both(stack: LocalStack) -> dict[str, str]:
    """Install ALPHA and BETA; their bot tokens, by team."""
    stack.fake.add_channel(Channel("C_BETA", "beta", ["U_ALICE", "U_CAROL", BOT_USER_ID]))
    tokens = {}
    for team in (ALPHA, BETA):
        assert stack.install_workspace(team).status_code == 200
        exchange = stack.fake.calls_to("oauth.v2.access")[-1]
        tokens[team] = str(exchange.response["access_token"])
    return tokens


async def book_in(
    stack: LocalStack, team: str, *, driver: SlackDriver | None = None
) -> dict[str, Any]:
    """Book a table from `team` (ALPHA or BETA, else Alice in C_GENERAL) through Slack, with
    `driver` if given (e.g. an Enterprise Grid org's); its confirmation message."""
    stack.driver = driver or stack.driver_for(team)
    return await book_through_slack(
        stack, BOOKER.get(team, "U_ALICE"), CHANNEL.get(team, "C_GENERAL"),
        f"search dishoom covent date:{next_weekday(2)}", "Dishoom Covent Garden",
    )  # fmt: skip


def booking_id_of(message: dict[str, Any]) -> str:
    """The booking id a confirmation's Cancel button carries."""
    [cancel] = buttons(message, ids.CANCEL_ACTION)
    return str(cancel["value"])


def venue_sets(stack: LocalStack, booking_id: str, status: str) -> None:
    stack.sandbox_control(f"bookings/{quote(booking_id, safe='')}/status", {"status": status})


async def thread_reply(stack: LocalStack, channel: str, parent_ts: str) -> dict[str, Any]:
    return await stack.fake.wait_for(
        lambda: (replies := stack.fake.thread(channel, parent_ts)) and replies[-1], within=WAIT
    )
