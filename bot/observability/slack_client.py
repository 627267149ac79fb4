"""Counting Slack Web API calls, errors and 429s with a slack_sdk retry handler.

slack_sdk asks every retry handler about every HTTP answer (and every failed attempt)
before deciding on a retry, and Bolt copies its client's handlers into the client it
makes per request: so a handler that records and never retries sees every call of both
the Bolt client and the notifier's. Put it first in `retry_handlers`.
"""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.observability.metrics import record_slack_call, record_slack_rate_limited


class SlackCallObserver(AsyncRetryHandler):
    """Each attempt counts: a 429 retried by the next handler is one "ratelimited" call and
    then one "ok" call."""

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = _method(request.url)
        if response is not None and response.status_code == 429:
            record_slack_rate_limited(method)
        record_slack_call(method, _outcome(response, error))
        return False


def _outcome(response: HttpResponse | None, error: Exception | None) -> str | None:
    """None for success, else Slack's error code, the HTTP status or the exception's type."""
    if error is not None:
        return type(error).__name__
    assert response is not None
    body = response.body if isinstance(response.body, dict) else {}
    if response.status_code == 200 and body.get("ok", True):
        return None
    code = body.get("error")
    return code if isinstance(code, str) and code else f"http_{response.status_code}"


def _method(url: str) -> str:
    """'https://slack.com/api/chat.postMessage?x=1' -> 'chat.postMessage'."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
