"""One classification of Slack errors: permanent (never retried) versus transient."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.slack.errors import (
    Failure,
    classify,
    describe,
    error_code,
    rate_limited,
    retry_after,
    retry_after_seconds,
)


def _error(status: int, body: Any, headers: dict[str, Any] | None = None) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,  # type: ignore[arg-type]
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data=body,
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)


@pytest.mark.parametrize(
    "code",
    ["invalid_auth", "account_inactive", "token_revoked", "not_authed", "missing_scope",
     "channel_not_found", "not_in_channel", "is_archived", "restricted_action",
     "access_denied", "invalid_blocks", "msg_too_long", "user_not_found"],
)  # fmt: skip
def test_permanent_codes(code: str) -> None:
    assert classify(_error(200, {"ok": False, "error": code})) is Failure.PERMANENT


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, "ratelimited"), (200, "ratelimited"), (500, "internal_error"),
     (503, "service_unavailable"), (200, "fatal_error"), (200, "request_timeout"),
     (502, "invalid_blocks"),  # a 5xx is Slack's trouble whatever the body says
     (200, "some_code_slack_adds_next_year"), (500, None)],
)  # fmt: skip
def test_transient_answers(status: int, code: str | None) -> None:
    body = {"ok": False, "error": code} if code else "<html>Bad gateway</html>"
    assert classify(_error(status, body)) is Failure.TRANSIENT


@pytest.mark.parametrize(
    "error", [TimeoutError(), aiohttp.ClientConnectionError(), ConnectionResetError()]
)
def test_network_errors_are_transient(error: Exception) -> None:
    assert classify(error) is Failure.TRANSIENT


def test_error_code_rate_limit_and_retry_after() -> None:
    limited = _error(429, {"ok": False, "error": "ratelimited"}, {"retry-after": ["7"]})
    assert (error_code(limited), rate_limited(limited), retry_after(limited)) == (
        "ratelimited", True, 7.0
    )  # fmt: skip
    assert describe(limited) == "Slack rate limit (429)"
    assert error_code(_error(502, "<html>")) is None
    assert describe(_error(502, "<html>")) == "Slack HTTP 502"
    assert describe(_error(200, {"ok": False, "error": "is_archived"})) == "Slack error is_archived"


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [({"Retry-After": "3"}, 3.0), ({"RETRY-AFTER": ["2.5"]}, 2.5), ({"Retry-After": "0"}, 0.05),
     ({"Retry-After": "soon"}, 1.0), ({}, 1.0), (None, 1.0)],
)  # fmt: skip
def test_retry_after_seconds(headers: dict[str, Any] | None, seconds: float) -> None:
    assert retry_after_seconds(headers) == seconds
