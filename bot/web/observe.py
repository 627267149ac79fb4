"""Per-request observation for the Slack and Bookable endpoints (pure ASGI middleware).

Each request to `/slack/events` or `/webhooks/bookable` gets a fresh correlation id for
its logs and its Bookable calls. For `/slack/events` the time from arrival to the last
byte of the response is recorded in `bookable_slack_ack_seconds`, by the kind that the
route found while checking the payload (`note_slack_kind`): nothing parses the body here.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.observability.correlation import (
    current_correlation_id,
    new_correlation_id,
    set_correlation_id,
)
from bot.observability.metrics import observe_ack

SLACK_PATH = "/slack/events"
WEBHOOK_PATH = "/webhooks/bookable"
_KIND_KEY = "slack_kind"


def note_slack_kind(request: Request, kind: str) -> None:
    """Called by the Slack route once it knows what the request is."""
    setattr(request.state, _KIND_KEY, kind)


class RequestObservation:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path") if scope["type"] == "http" else None
        if path not in (SLACK_PATH, WEBHOOK_PATH):
            await self.app(scope, receive, send)
            return
        outer = current_correlation_id()
        set_correlation_id(new_correlation_id())
        try:
            if path == SLACK_PATH:
                await self._timed(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            set_correlation_id(outer)

    async def _timed(self, scope: Scope, receive: Receive, send: Send) -> None:
        arrived = time.perf_counter()
        state = scope.setdefault("state", {})

        async def timing_send(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                observe_ack(state.get(_KIND_KEY, "other"), time.perf_counter() - arrived)

        await self.app(scope, receive, timing_send)
