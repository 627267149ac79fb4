"""What the listeners share: user lookups, modal sync, and never leaving anyone without an
answer when something fails."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.bookable.errors import BookableError
from bot.slack.blocks.common import simple_message
from bot.slack.user_errors import explain, new_incident_id
from bot.slack.users import UserDirectory
from bot.slack.views_sync import ViewSync

log = logging.getLogger("bot.slack")

Respond = Callable[..., Awaitable[Any]]


@dataclass
class Shared:
    users: UserDirectory
    views: ViewSync = field(default_factory=ViewSync)


def failure_text(error: BaseException, what: str) -> str:
    """Log the failure (with Bookable's correlation id, or a fresh incident id) and return
    what to tell the user."""
    if isinstance(error, BookableError):
        log.warning("%s failed: %s", what, error)  # messages carry no secrets
        return explain(error).text
    incident = new_incident_id()
    log.error("%s failed unexpectedly [incident %s]", what, incident, exc_info=error)
    return explain(error, incident_id=incident).text


async def tell(respond: Respond | None, payload: dict[str, Any], *, replace: bool = False) -> None:
    """An ephemeral answer through response_url; a dead response_url is only logged."""
    if respond is None:
        return
    try:
        await respond(response_type="ephemeral", replace_original=replace, **payload)
    except Exception:  # the user can't be told; don't hide the original problem
        log.exception("could not answer through response_url")


async def report_failure(error: BaseException, respond: Respond | None, what: str) -> None:
    await tell(respond, simple_message(failure_text(error, what)))


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    return str(body.get("team_id") or (body.get("user") or {}).get("team_id") or "")


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id", ""))
    return str(body.get("user_id", ""))


def channel_of(body: dict[str, Any]) -> str | None:
    channel = body.get("channel")
    if isinstance(channel, dict) and channel.get("id"):
        return str(channel["id"])
    container = body.get("container") or {}
    return container.get("channel_id") or body.get("channel_id") or None


def slack_error(error: SlackApiError) -> str:
    return str(error.response.get("error") or "unknown_error")
