"""`SpreadTransport`: Bookable's connections kept in several small httpx pools, not one big one.

httpcore's pool re-examines every connection, and for each idle one counts all of them
again, whenever a request starts or its response is closed (O(n²) per request: encode/
httpcore#1035, still in httpcore 1.0.9). With the 100 connections the follow-up workers
need (100 concurrent Bookable calls), that bookkeeping was a quarter of the app's CPU
under load (`bench/README.md`, Profile). Pools of ten cost about a tenth per pass, and
each request goes to the pool with the fewest requests in flight, so no request waits for
a connection while another pool has one free.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable

import httpx


class SpreadTransport(httpx.AsyncBaseTransport):
    def __init__(self, limits: httpx.Limits, *, per_pool: int = 10) -> None:
        if limits.max_connections is None:
            raise ValueError("SpreadTransport needs a connection limit to spread")
        pools = math.ceil(limits.max_connections / max(1, per_pool))
        keep = limits.max_keepalive_connections
        each = httpx.Limits(
            max_connections=math.ceil(limits.max_connections / pools),
            max_keepalive_connections=math.ceil(keep / pools) if keep is not None else None,
            keepalive_expiry=limits.keepalive_expiry,
        )
        tls = httpx.create_ssl_context()  # one for all: each takes ~30 ms to load the CAs
        self._pools = [httpx.AsyncHTTPTransport(verify=tls, limits=each) for _ in range(pools)]
        self._in_flight = [0] * pools

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = min(range(len(self._pools)), key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        try:
            response = await self._pools[index].handle_async_request(request)
        except BaseException:
            self._in_flight[index] -= 1
            raise
        if not isinstance(response.stream, httpx.AsyncByteStream):  # not from an async pool
            self._release(index)
            return response
        # The connection stays taken until the body is read or closed.
        response.stream = _Released(response.stream, lambda: self._release(index))
        return response

    @property
    def in_flight(self) -> tuple[int, ...]:
        """Requests holding a connection, per pool."""
        return tuple(self._in_flight)

    def _release(self, index: int) -> None:
        self._in_flight[index] -= 1

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


class _Released(httpx.AsyncByteStream):
    """A response stream that calls `on_close` once, when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, on_close: Callable[[], None]) -> None:
        self._stream = stream
        self._on_close: Callable[[], None] | None = on_close

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            on_close, self._on_close = self._on_close, None
            if on_close is not None:
                on_close()
