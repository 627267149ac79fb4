"""What the listeners share: user lookups, modal sync, and never leaving anyone without an
answer when something fails."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.bookable.errors import BookableError
from bot.slack.blocks.common import simple_message
from bot.slack.errors import error_code, retry_after_seconds
from bot.slack.followups import BUSY_TEXT, FollowUps, Job
from bot.slack.home import HomePublisher
from bot.slack.ids import StaleReference
from bot.slack.user_errors import explain, new_incident_id
from bot.slack.users import UserDirectory
from bot.slack.views_sync import ViewSync

log = logging.getLogger("bot.slack")

Respond = Callable[..., Awaitable[Any]]


@dataclass
class Shared:
    users: UserDirectory
    followups: FollowUps
    home: HomePublisher
    views: ViewSync = field(default_factory=ViewSync)

    async def hand_off(
        self, ack: AsyncAck, what: str, job: Job, respond: Respond | None = None
    ) -> None:
        """Ack, with `job` queued as the follow-up; when the queue is full, ack anyway and
        tell the person through `respond` (when there is one) that we are busy. With
        `respond`, a failure of `job` is told to the person there too (`report_failure`),
        so listeners don't each catch and report."""
        if respond is not None:
            job = _reporting(job, respond, what)
        taken = self.followups.submit(what, job)
        await ack()
        if not taken and respond is not None:
            self.followups.notify(what, lambda: tell(respond, simple_message(BUSY_TEXT)))


def _reporting(job: Job, respond: Respond, what: str) -> Job:
    async def run() -> None:
        try:
            await job()
        except Exception as error:
            await report_failure(error, respond, what)

    return run


def failure_text(error: BaseException, what: str) -> str:
    """Log the failure (with Bookable's correlation id, or a fresh incident id) and return
    what to tell the user."""
    if isinstance(error, BookableError):
        log.warning("%s failed: %s", what, error)  # messages carry no secrets
        return explain(error).text
    if isinstance(error, StaleReference):  # an old or forged button: not our bug
        log.info("%s refused: %s", what, error)
        return explain(error).text
    incident = new_incident_id()
    log.error("%s failed unexpectedly [incident %s]", what, incident, exc_info=error)
    return explain(error, incident_id=incident).text


# One retry for a response_url answered with 5xx/429 or a dropped connection: Bolt's own
# respond() has none. Bounded so a retry never outlives the response_url's usefulness.
RESPONSE_URL_TIMEOUT = 5  # seconds per attempt
MAX_RETRY_AFTER = 3.0  # seconds; a longer Retry-After is cut to this


# One connection pool for response_url answers. The server sets it before starting the
# follow-up workers, whose tasks inherit it (contextvars); elsewhere (tests, busy notices)
# each answer opens its own session, as slack_sdk does by default.
response_session: ContextVar[aiohttp.ClientSession | None] = ContextVar(
    "response_session", default=None
)


def response_url_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=RESPONSE_URL_TIMEOUT))


class _ServerErrorRetry(AsyncServerErrorRetryHandler):
    """Any 5xx, not just slack_sdk's 500/503 (short backoff: 0.5 s)."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code >= 500


class _RateLimitRetry(AsyncRetryHandler):
    """429: wait Retry-After (capped), like slack_sdk's handler but bounded."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        await asyncio.sleep(_retry_after(response))
        state.increment_current_attempt()


def _retry_after(response: HttpResponse | None) -> float:
    return min(retry_after_seconds(response.headers if response else None), MAX_RETRY_AFTER)


def _retry_handlers() -> list[AsyncRetryHandler]:
    # The handlers share one attempt counter, so together they allow a single retry.
    return [AsyncConnectionErrorRetryHandler(), _ServerErrorRetry(), _RateLimitRetry()]


async def tell(respond: Respond | None, payload: dict[str, Any], *, replace: bool = False) -> None:
    """An ephemeral answer through response_url, retried once; a dead response_url is
    only logged."""
    if respond is None:
        return
    message = {"response_type": "ephemeral", "replace_original": replace, **payload}
    try:
        status = await _send(respond, message)
    except Exception as error:  # the user can't be told; don't hide the original problem
        log.warning("could not answer through response_url (%s)", type(error).__name__)
        return
    if status is not None and status >= 300:
        log.warning("could not answer through response_url: HTTP %s", status)


async def _send(respond: Respond, message: dict[str, Any]) -> int | None:
    """Post `message` to Bolt's respond's response_url with retries; other callables (no
    response_url) are simply called. Returns the HTTP status when known."""
    url = getattr(respond, "response_url", None)
    if not isinstance(url, str) or not url:
        result = await respond(**message)
        return getattr(result, "status_code", None)
    client = AsyncWebhookClient(
        url=url,
        timeout=RESPONSE_URL_TIMEOUT,
        proxy=getattr(respond, "proxy", None),
        ssl=getattr(respond, "ssl", None),
        retry_handlers=_retry_handlers(),
        session=response_session.get(),
    )
    response = await client.send_dict({k: v for k, v in message.items() if v is not None})
    return response.status_code


async def report_failure(error: BaseException, respond: Respond | None, what: str) -> None:
    await tell(respond, simple_message(failure_text(error, what)))


async def open_modal(
    shared: Shared,
    client: AsyncWebClient,
    body: dict[str, Any],
    view: dict[str, Any],
    respond: Respond | None,
    *,
    what: str,
    button: str,
) -> dict[str, Any] | None:
    """`views.open` with the click's trigger id (it expires 3 s after the click: call this
    before anything slow); the opened view, or None once the clicker was told it failed."""
    try:
        opened = await client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as error:
        log.warning("views.open failed: %s", slack_error(error))
        text = f"I couldn't open the {what} in time. Please click *{button}* again."
        await tell(respond, simple_message(text))
        return None
    except Exception as error:
        await report_failure(error, respond, f"opening the {what}")
        return None
    found: dict[str, Any] = opened.get("view") or {}
    shared.views.saw(found)
    return found


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
    return error_code(error) or "unknown_error"
