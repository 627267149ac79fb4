"""Slack's retries (`X-Slack-Retry-Num`) are answered 200 at once and never run twice.

Slack retries a request it got no timely 2xx for, up to three times. Bolt has no retry
handling of its own (its Socket Mode adapter only copies the header), so the route asks
`SlackRetries.is_repeat` first, after the signature check:

- Events API requests carry an `event_id`: one seen before (retried or not) is a repeat.
  A retry of an event this process never saw (it was down, say) runs normally.
- Anything else with `X-Slack-Retry-Num` (commands and interactivity are not retried by
  Slack in the usual way) is acked without running again: the first delivery reached us.

The memory of event ids is per process and bounded (TTL: Slack's retries come within
minutes); with several processes a retry reaching another process may run once more.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from cachetools import TTLCache

RETRY_HEADER = "x-slack-retry-num"
REMEMBER_EVENTS = 10_000
REMEMBER_SECONDS = 3600.0


class SlackRetries:
    def __init__(self) -> None:
        self._events: TTLCache[str, bool] = TTLCache(REMEMBER_EVENTS, REMEMBER_SECONDS)

    def is_repeat(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Whether this signed request was already handled (remembering it if not)."""
        event_id = _event_id(body, headers.get("content-type", ""))
        if event_id is None:
            return RETRY_HEADER in headers
        if event_id in self._events:
            return True
        self._events[event_id] = True
        return False


def _event_id(body: bytes, content_type: str) -> str | None:
    if not content_type.startswith("application/json"):
        return None  # commands and interactivity are form-encoded
    try:
        envelope = json.loads(body)
    except ValueError:
        return None
    event_id = envelope.get("event_id") if isinstance(envelope, dict) else None
    return event_id if isinstance(event_id, str) and event_id else None
