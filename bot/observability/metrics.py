"""Every Prometheus series the app exposes at `GET /metrics`, defined once.

On prometheus_client's default registry, next to its process collector (RSS, CPU, open
files). Other modules record through the objects and helpers here; label values are
bounded sets: kinds, HTTP methods, route templates (never ids), status codes, Slack
method names and Slack error codes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
)
from prometheus_client import generate_latest as _generate_latest

log = logging.getLogger(__name__)

# Kinds of Slack request, for the ack histogram.
SLACK_KINDS = ("command", "block_actions", "view_submission", "options", "event", "other")
# Slack shows an error after 3 s: buckets are fine below it and coarse beyond.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
OUTBOX_STATES = ("pending", "retrying", "leased", "dead")

SLACK_ACK_SECONDS = Histogram(
    "bookable_slack_ack_seconds",
    "Time from a Slack request's arrival at /slack/events to its HTTP response being sent.",
    ["kind"],
    buckets=ACK_BUCKETS,
)
BOOKABLE_CALLS = Counter(
    "bookable_api_calls_total",
    "HTTP requests to the Bookable API (each retry counts), by route template and status.",
    ["method", "route", "status"],
)
TOKEN_REQUESTS = Counter("bookable_token_requests_total", "Bookable access-token requests sent.")
TOKEN_FAILURES = Counter(
    "bookable_token_failures_total", "Bookable access-token requests that gave no token."
)
OUTBOX_JOBS = Gauge(
    "bookable_outbox_jobs",
    "Outbox jobs (Slack updates from Bookable events) by state, read from the database.",
    ["state"],
    multiprocess_mode="livemostrecent",
)
SLACK_CALLS = Counter(
    "bookable_slack_api_calls_total",
    'Slack Web API calls by method and outcome ("ok" or Slack\'s error code).',
    ["method", "error"],
)
SLACK_RATE_LIMITED = Counter(
    "bookable_slack_rate_limited_total",
    "HTTP 429 answers from the Slack Web API (each one, retried or not), by method.",
    ["method"],
)
PEAK_RSS = Gauge(
    "bookable_process_peak_rss_bytes",
    "Peak resident memory of this process so far (updated when it answers a scrape).",
    multiprocess_mode="livemax",
)


def record_bookable_call(method: str, route: str, status: int | str) -> None:
    """`route` is the path template, e.g. "/venues/{compositeId}/availability"."""
    BOOKABLE_CALLS.labels(method, route, str(status)).inc()


def record_slack_call(method: str, error: str | None) -> None:
    SLACK_CALLS.labels(method, error or "ok").inc()


def record_slack_rate_limited(method: str) -> None:
    SLACK_RATE_LIMITED.labels(method).inc()


def observe_ack(kind: str, seconds: float) -> None:
    SLACK_ACK_SECONDS.labels(kind if kind in SLACK_KINDS else "other").observe(seconds)


class OutboxGauges:
    """Refreshes `bookable_outbox_jobs` from `stats()` (the store's `outbox_stats`) at
    scrape time, at most once per `max_age` seconds however often Prometheus scrapes."""

    def __init__(
        self,
        stats: Callable[[], Awaitable[Mapping[str, int]]],
        *,
        max_age: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stats = stats
        self._max_age = max_age
        self._clock = clock
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()  # concurrent scrapes share one query

    async def refresh(self) -> None:
        async with self._lock:
            now = self._clock()
            if self._fetched_at is not None and now - self._fetched_at < self._max_age:
                return
            self._fetched_at = now  # also after a failure: a database that is down is not hammered
            try:
                stats = await self._stats()
            except Exception:  # the scrape still answers, with the last values
                log.warning("metrics: outbox statistics unavailable", exc_info=True)
                return
            for state in OUTBOX_STATES:
                OUTBOX_JOBS.labels(state).set(stats.get(state, 0))


def render() -> tuple[bytes, str]:
    """The exposition body and its content type.

    With PROMETHEUS_MULTIPROC_DIR set (several `serve` processes), the series of every
    process, added up from the files prometheus_client keeps there."""
    PEAK_RSS.set(_peak_rss_bytes())
    return _generate_latest(_registry()), CONTENT_TYPE_LATEST


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def _peak_rss_bytes() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux counts KiB
