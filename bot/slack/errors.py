"""Slack Web API errors in one place: the error codes the app acts on, `Retry-After`, and
whether a failure can succeed later (transient) or never will (permanent).

Every module that reacts to a Slack error code imports the code sets from here, so a code
is classified once. Codes are from Slack's method pages (chat.postMessage, chat.update,
conversations.open, views.update) and its rate-limit guide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

DEFAULT_RETRY_AFTER = 1.0  # seconds, when a 429 carries no usable Retry-After
MIN_RETRY_AFTER = 0.05

RATE_LIMITED = "ratelimited"
HASH_CONFLICT = "hash_conflict"  # views.update: the view changed since the hash we sent

# The bot cannot post in this channel (now or later, until a person changes something):
# the message goes to the booker's DM instead.
CHANNEL_UNUSABLE = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "access_denied"}
)
# The bot cannot see the channel at all (it is not a member, or the channel is private).
BOT_NOT_IN_CHANNEL = frozenset({"not_in_channel", "channel_not_found"})
THREAD_GONE = frozenset({"thread_not_found"})
# chat.update cannot succeed later either.
MESSAGE_NOT_EDITABLE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
# Nobody to tell: the booker's account is gone or cannot be messaged.
DM_IMPOSSIBLE = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot"})
VIEW_GONE = frozenset({"not_found", "view_not_found"})  # the user closed the modal

# Retrying the same call cannot help: the token, the scopes, the channel or the message
# itself must change first.
PERMANENT_CODES = (
    frozenset(
        {
            "invalid_auth",
            "not_authed",
            "account_inactive",
            "token_revoked",
            "token_expired",
            "no_permission",
            "missing_scope",
            "not_allowed_token_type",
            "ekm_access_denied",
            "team_access_not_granted",
            "invalid_blocks",
            "invalid_blocks_format",
            "invalid_metadata_format",
            "invalid_metadata_schema",
            "msg_too_long",
            "no_text",
            "too_many_attachments",
            "invalid_arguments",
            "invalid_arg_name",
            "invalid_charset",
            "duplicate_channel_not_found",
            "is_inactive",
        }
    )
    | CHANNEL_UNUSABLE
    | THREAD_GONE
    | MESSAGE_NOT_EDITABLE
    | DM_IMPOSSIBLE
    | VIEW_GONE
)


class Failure(StrEnum):
    PERMANENT = "permanent"
    TRANSIENT = "transient"


def error_code(error: SlackApiError) -> str | None:
    """Slack's `error` field (e.g. "not_in_channel"), if the answer had one."""
    data = error.response.data
    return str(data.get("error")) if isinstance(data, dict) and data.get("error") else None


def rate_limited(error: SlackApiError) -> bool:
    return error.response.status_code == 429 or error_code(error) == RATE_LIMITED


def retry_after_seconds(
    headers: Mapping[str, Any] | None, default: float = DEFAULT_RETRY_AFTER
) -> float:
    """Seconds from a `Retry-After` header (any case; slack_sdk may give lists), else
    `default`. Never below a small floor, so a "0" still spaces the retry."""
    for name, value in (headers or {}).items():
        if name.lower() != "retry-after":
            continue
        raw = value[0] if isinstance(value, list | tuple) and value else value
        try:
            return max(float(raw), MIN_RETRY_AFTER)
        except (TypeError, ValueError):
            return default
    return default


def retry_after(error: SlackApiError) -> float:
    return retry_after_seconds(error.response.headers)


def classify(error: BaseException) -> Failure:
    """Permanent: a Slack answer that names a code on the permanent list. Everything else
    (429, 5xx, Slack's own faults, timeouts, network errors, and codes we don't know) is
    transient: retried, within the notifier's attempt cap and maximum age (e.g. Slack's
    `fatal_error`, `internal_error`, `service_unavailable`, `request_timeout`)."""
    if isinstance(error, SlackApiError):
        if rate_limited(error) or error.response.status_code >= 500:
            return Failure.TRANSIENT
        if error_code(error) in PERMANENT_CODES:
            return Failure.PERMANENT
    return Failure.TRANSIENT


def is_permanent(error: BaseException) -> bool:
    return classify(error) is Failure.PERMANENT


def is_network_error(error: BaseException) -> bool:
    """No answer from Slack at all (as opposed to an answer with an error)."""
    return isinstance(error, aiohttp.ClientError | asyncio.TimeoutError | OSError)


def describe(error: BaseException) -> str:
    """A short reason for logs and dead letters: no message bodies, no tokens."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        if rate_limited(error):
            return "Slack rate limit (429)"
        if status >= 500:
            return f"Slack HTTP {status}"
        return f"Slack error {error_code(error) or status}"
    return type(error).__name__
