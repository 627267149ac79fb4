"""Injected failures and per-channel rate limiting."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Fault:
    """What the next `count` calls to a method get instead of a normal answer."""

    error: str | None = None
    status: int | None = None
    retry_after: int | None = None
    count: int = 1
    delay: float = 0.0

    @property
    def fails(self) -> bool:
        return self.error is not None or self.status is not None

    def answer(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(HTTP status, body, headers) for a failing fault."""
        status = self.status or 200
        error = self.error
        headers: dict[str, str] = {}
        if status == 429:
            headers["Retry-After"] = str(self.retry_after if self.retry_after is not None else 1)
            error = error or "ratelimited"
        elif self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        if status >= 500:
            error = error or "internal_error"
        return status, {"ok": False, "error": error or "fatal_error"}, headers

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> tuple[str, Fault]:
        """(method, fault) from `{"method": ..., "error"?, "status"?, ...}`; raises on junk."""

        def optional(name: str, kind: type) -> Any:
            return None if body.get(name) is None else kind(body[name])

        fault = cls(
            error=optional("error", str),
            status=optional("status", int),
            retry_after=optional("retry_after", int),
            count=int(body.get("count", 1)),
            delay=float(body.get("delay", 0.0)),
        )
        return str(body["method"]), fault


class FaultBook:
    """Faults queued per method name ("*" matches every method)."""

    def __init__(self) -> None:
        self._queued: dict[str, list[Fault]] = {}

    def add(self, method: str, fault: Fault) -> None:
        if fault.count > 0:
            self._queued.setdefault(method, []).append(fault)

    def take(self, method: str) -> Fault | None:
        for key in (method, "*"):
            queue = self._queued.get(key)
            if queue:
                fault = queue[0]
                fault.count -= 1
                if fault.count <= 0:
                    queue.pop(0)
                return fault
        return None

    def clear(self) -> None:
        self._queued.clear()


class TokenBuckets:
    """One token bucket per key: `rate` tokens a second, at most `burst` saved up."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)

    def allow(self, key: str, rate: float, burst: int) -> bool:
        now = self._clock()
        tokens, last = self._buckets.get(key, (float(burst), now))
        tokens = min(float(burst), tokens + (now - last) * rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        return allowed

    def clear(self) -> None:
        self._buckets.clear()
