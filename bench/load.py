"""Load generators: open loop (fixed arrival rate) and closed loop (N users), over aiohttp.

Open loop schedules request i at start + i / rate by the wall clock and never waits for
answers before sending the next, so a slow server cannot slow the arrivals down. Latency is
measured per request from the moment it is sent until its whole answer has arrived; how far
the generator itself fell behind its schedule is reported as `max_lag`.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import aiohttp

DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class HttpRequest:
    url: str
    body: bytes
    headers: Mapping[str, str]
    method: str = "POST"


@dataclass(frozen=True)
class Outcome:
    sent_at: float  # seconds since the run started
    latency: float  # seconds; for failures, until the failure
    status: int | None  # None: no HTTP answer (timeout, connection error)
    error: str | None = None


@dataclass
class LoadResult:
    outcomes: list[Outcome] = field(default_factory=list)
    duration: float = 0.0  # from the first send to the last answer
    max_lag: float = 0.0  # worst delay of a send behind its schedule (open loop)

    def ok(self, statuses: frozenset[int] = frozenset({200})) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in statuses]

    def failures(self, statuses: frozenset[int] = frozenset({200})) -> list[Outcome]:
        return [o for o in self.outcomes if o.status not in statuses]

    def latencies(self) -> list[float]:
        """Every request's latency; one that got no answer counts with the time it waited
        (a timeout as the whole timeout), so failures push the percentiles up, not out."""
        return [o.latency for o in self.outcomes]

    def percentile_ms(self, q: float) -> float:
        return percentile(self.latencies(), q) * 1000

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            key = str(outcome.status) if outcome.status is not None else (outcome.error or "?")
            counts[key] = counts.get(key, 0) + 1
        return counts


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def new_session(connections: int = 2000) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    timeout = aiohttp.ClientTimeout(total=DEFAULT_TIMEOUT)
    # auto_decompress/raise_for_status off: we only time the exchange and read the status
    return aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False)


async def send(session: aiohttp.ClientSession, request: HttpRequest, origin: float) -> Outcome:
    started = time.perf_counter()
    try:
        async with session.request(
            request.method, request.url, data=request.body, headers=dict(request.headers)
        ) as response:
            await response.read()
            status: int | None = response.status
            error = None
    except (aiohttp.ClientError, TimeoutError) as failure:
        status, error = None, type(failure).__name__
    return Outcome(started - origin, time.perf_counter() - started, status, error)


async def open_loop(
    session: aiohttp.ClientSession,
    requests: Sequence[HttpRequest],
    rate: float,
    *,
    on_sent: Callable[[int], None] | None = None,
) -> LoadResult:
    """Send `requests` at `rate` per second, on schedule, whatever the server does."""
    loop = asyncio.get_running_loop()
    origin = time.perf_counter()
    start = loop.time() + 0.05
    tasks: list[asyncio.Task[Outcome]] = []
    max_lag = 0.0
    for index, request in enumerate(requests):
        when = start + index / rate
        delay = when - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        max_lag = max(max_lag, loop.time() - when)
        tasks.append(asyncio.create_task(send(session, request, origin)))
        if on_sent is not None:
            on_sent(index)
    outcomes = list(await asyncio.gather(*tasks))
    duration = time.perf_counter() - origin
    return LoadResult(outcomes, duration, max_lag)


async def closed_loop(
    session: aiohttp.ClientSession,
    next_request: Callable[[int, int], HttpRequest],
    *,
    users: int,
    duration: float,
) -> LoadResult:
    """`users` concurrent users, each sending its next request as soon as the last returns."""
    origin = time.perf_counter()
    deadline = origin + duration
    result = LoadResult()

    async def user(number: int) -> None:
        sent = 0
        while time.perf_counter() < deadline:
            result.outcomes.append(await send(session, next_request(number, sent), origin))
            sent += 1

    await asyncio.gather(*(user(number) for number in range(users)))
    result.duration = time.perf_counter() - origin
    return result
