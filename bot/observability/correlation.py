"""One correlation id per incoming request, carried by `contextvars`.

The web layer sets it when a Slack request or a Bookable webhook arrives; tasks started
while handling it (Bolt's listener tasks, the search flight) copy the context, so every
log line and every Bookable call (`X-Correlation-ID`) of that request carries the same id.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def new_correlation_id() -> str:
    return str(uuid.uuid4())


def current_correlation_id() -> str | None:
    return _current.get()


def set_correlation_id(value: str | None) -> None:
    """For the rest of the current task (and tasks it starts), `value` is the id."""
    _current.set(value)
