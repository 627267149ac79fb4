"""A short-lived cache that also coalesces identical in-flight lookups.

Bookable allows 200 requests a minute per client; people searching from Slack repeat the
same queries. N concurrent identical searches make one Bookable call; results are reused
for `ttl` seconds. Failures are never cached, and a caller that gives up (cancellation)
does not cancel the shared call for the others.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class CoalescingCache(Generic[V]):
    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = 512,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._values: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._in_flight: dict[str, asyncio.Task[V]] = {}
        self.fetches = 0  # calls actually made (for tests and the benchmark)

    async def get(self, key: str, fetch: Callable[[], Awaitable[V]]) -> V:
        cached = self._values.get(key)
        if cached is not None:
            expires, value = cached
            if self._clock() < expires:
                return value
            del self._values[key]
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
        if self.ttl > 0:
            self._values[key] = (self._clock() + self.ttl, value)
            self._values.move_to_end(key)
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)
        return value

    def peek(self, key: str) -> V | None:
        """The cached value if still fresh (no fetch)."""
        cached = self._values.get(key)
        if cached is None or self._clock() >= cached[0]:
            return None
        return cached[1]

    def clear(self) -> None:
        self._values.clear()
