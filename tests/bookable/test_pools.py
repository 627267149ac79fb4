"""`SpreadTransport` over real loopback HTTP: requests spread over the pools, and every
request gives its slot back, whether it succeeds, fails or is closed half-read."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

from bot.bookable.client import _spread_unless_proxied
from bot.bookable.pools import SpreadTransport
from bot.devtools.serving import BackgroundServer, free_port

LIMITS = httpx.Limits(max_connections=8, max_keepalive_connections=8)


class Held:
    """A server whose /hold answers only once `release` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()

        async def hold(request: Request) -> PlainTextResponse:
            await asyncio.to_thread(self.release.wait, 10)
            return PlainTextResponse("done")

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(1000):
                yield b"x" * 1024
                await asyncio.sleep(0)

        async def stream(request: Request) -> StreamingResponse:
            return StreamingResponse(chunks())

        self.app = Starlette(routes=[Route("/hold", hold), Route("/stream", stream)])


@pytest.fixture(scope="module")
def held() -> Iterator[tuple[Held, str]]:
    server = Held()
    with BackgroundServer(server.app) as running:
        yield server, running.url


async def _until(condition: object, *, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


async def test_requests_spread_evenly_and_give_their_slots_back(held: tuple[Held, str]) -> None:
    server, url = held
    server.release.clear()
    transport = SpreadTransport(LIMITS, per_pool=2)
    async with httpx.AsyncClient(transport=transport, base_url=url) as client:
        calls = [asyncio.create_task(client.get("/hold")) for _ in range(8)]
        await _until(lambda: sum(transport.in_flight) == 8)
        assert transport.in_flight == (2, 2, 2, 2)
        server.release.set()
        answers = await asyncio.gather(*calls)
    assert [answer.text for answer in answers] == ["done"] * 8
    assert transport.in_flight == (0, 0, 0, 0)


async def test_a_failed_request_gives_its_slot_back() -> None:
    transport = SpreadTransport(LIMITS, per_pool=2)
    nobody = f"http://127.0.0.1:{free_port()}"
    async with httpx.AsyncClient(transport=transport, base_url=nobody) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/")
    assert transport.in_flight == (0, 0, 0, 0)


async def test_a_stream_closed_half_read_gives_its_slot_back(held: tuple[Held, str]) -> None:
    _, url = held
    transport = SpreadTransport(LIMITS, per_pool=4)
    async with httpx.AsyncClient(transport=transport, base_url=url) as client:
        async with client.stream("GET", "/stream") as answer:
            async for _ in answer.aiter_bytes():
                assert sum(transport.in_flight) == 1
                break
        assert transport.in_flight == (0, 0)
        assert (await client.get("/stream")).status_code == 200  # the pool still serves
    assert transport.in_flight == (0, 0)


def test_pools_hold_at_most_per_pool_connections() -> None:
    assert len(SpreadTransport(httpx.Limits(max_connections=100)).in_flight) == 10
    assert len(SpreadTransport(httpx.Limits(max_connections=25)).in_flight) == 3
    assert len(SpreadTransport(httpx.Limits(max_connections=3)).in_flight) == 1


def test_a_proxy_in_the_environment_keeps_httpx_own_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for scheme in ("http", "https", "all"):
        monkeypatch.delenv(f"{scheme}_proxy", raising=False)
        monkeypatch.delenv(f"{scheme.upper()}_PROXY", raising=False)
    assert isinstance(_spread_unless_proxied(LIMITS), SpreadTransport)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert _spread_unless_proxied(LIMITS) is None  # httpx's transport, which uses the proxy
