"""A wall clock that tests can move forward (`/_control/clock`).

Token expiry, rate-limit windows, webhook retries and "today" all read this clock, so a test
can jump an hour ahead instead of waiting an hour.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime


class SandboxClock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._wakers: set[asyncio.Future[None]] = set()

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> float:
        """Epoch seconds, sandbox time."""
        return time.time() + self._offset

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def advance(self, seconds: float) -> None:
        self._offset += seconds
        self._wake_sleepers()

    def reset(self) -> None:
        self._offset = 0.0
        self._wake_sleepers()

    async def sleep_until(self, deadline: float) -> None:
        """Sleep until sandbox time reaches `deadline`; an `advance` cuts the wait short."""
        loop = asyncio.get_running_loop()
        while (remaining := deadline - self.now()) > 0:
            waker: asyncio.Future[None] = loop.create_future()
            self._wakers.add(waker)
            try:
                await asyncio.wait_for(waker, remaining)
            except TimeoutError:
                pass
            finally:
                self._wakers.discard(waker)

    def _wake_sleepers(self) -> None:
        for waker in list(self._wakers):
            waker.get_loop().call_soon_threadsafe(_resolve, waker)


def _resolve(waker: asyncio.Future[None]) -> None:
    if not waker.done():
        waker.set_result(None)


def iso_z(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a `Z`, e.g. `2025-06-17T09:15:00.123Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
