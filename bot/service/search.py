"""A short-lived cache that also coalesces identical in-flight lookups.

Bookable allows 200 requests a minute per client; people searching from Slack repeat the
same queries. N concurrent identical searches make one Bookable call; results are reused
for `ttl` seconds (`cachetools.TLRUCache`, so `ttl_for` can give some values a shorter
life, e.g. "no such venue"). Failures are never cached, and a caller that gives up
(cancellation) does not cancel the shared call for the others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from cachetools import TLRUCache

V = TypeVar("V")
_MISSING = object()


class CoalescingCache(Generic[V]):
    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = 512,
        clock: Callable[[], float] = time.monotonic,
        ttl_for: Callable[[V], float] | None = None,
    ) -> None:
        self.ttl = ttl
        self._ttl_for = ttl_for
        self._values: TLRUCache[str, V] = TLRUCache(
            maxsize=max_entries, ttu=self._expires, timer=clock
        )
        self._in_flight: dict[str, asyncio.Task[V]] = {}
        self.fetches = 0  # calls actually made (for tests and the benchmark)

    def _expires(self, key: str, value: V, now: float) -> float:
        return now + (self._ttl_for(value) if self._ttl_for is not None else self.ttl)

    async def get(self, key: str, fetch: Callable[[], Awaitable[V]]) -> V:
        cached = self._values.get(key, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._fetch(key, fetch))
            # If every waiter gave up, nobody reads the outcome: mark it as seen.
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            self._in_flight[key] = task
        return await asyncio.shield(task)

    async def _fetch(self, key: str, fetch: Callable[[], Awaitable[V]]) -> V:
        self.fetches += 1
        try:
            value = await fetch()
        finally:
            self._in_flight.pop(key, None)
        self.put(key, value)
        return value

    def put(self, key: str, value: V) -> None:
        """Cache a value learnt elsewhere (a zero TTL keeps nothing)."""
        self._values[key] = value

    def peek(self, key: str) -> V | None:
        """The cached value if still fresh (no fetch)."""
        return self._values.get(key)

    def clear(self) -> None:
        self._values.clear()
