"""slack_sdk's own retry handlers, as this app uses them: a dropped connection, a 429 after
its `Retry-After`, a 5xx, twice each. For calls made while someone waits, and for work that
has no outbox of its own to retry it (team meal notes and DMs, reminders); the notifier's
outbox jobs retry on their own schedule instead."""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)

from bot.observability.slack_client import SlackCallObserver


def slack_retry_handlers() -> list[AsyncRetryHandler]:
    return [
        SlackCallObserver(),  # first: it counts every call, then the others decide on retries
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]
