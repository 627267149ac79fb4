"""Fixtures for the Bookable client tests: a real sandbox on loopback and clients built for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.bookable.auth import TokenProvider
from bot.bookable.client import BookableClient, RetryPolicy
from bot.devtools.serving import BackgroundServer

from .support import (
    AUDIENCE,
    CLIENT_ID,
    CLIENT_SECRET,
    FAST_RETRY,
    FakeClock,
    Sandbox,
    sandbox_config,
)


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[Sandbox]:
    from bot.sandbox import SandboxState, create_sandbox_app

    with BackgroundServer(create_sandbox_app(SandboxState(sandbox_config()))) as server:
        yield Sandbox(server)


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Sandbox:
    """The module's sandbox, back to seed data with zeroed counters for each test."""
    sandbox_server.control("POST", "reset")
    return sandbox_server


ClientFactory = Callable[..., Awaitable[BookableClient]]


@pytest.fixture
async def make_client() -> AsyncIterator[ClientFactory]:
    """Build clients the way production does, but with a hand-moved clock and fast retries."""
    clients: list[BookableClient] = []

    async def build(
        api_url: str,
        auth_url: str,
        *,
        clock: FakeClock | None = None,
        retry: RetryPolicy = FAST_RETRY,
        partner_reference: str | None = None,
        client_secret: str = CLIENT_SECRET,
        token_timeout: float = 2.0,
        refresh_margin: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
        **client_options: Any,
    ) -> BookableClient:
        http = httpx.AsyncClient(
            base_url=api_url,
            timeout=httpx.Timeout(2.0, connect=1.0),
            limits=httpx.Limits(max_connections=100),
            transport=transport,
        )
        tokens = TokenProvider(
            http=http,
            auth_url=auth_url,
            client_id=CLIENT_ID,
            client_secret=SecretStr(client_secret),
            audience=AUDIENCE,
            refresh_margin=refresh_margin,
            timeout=token_timeout,
            clock=clock or FakeClock(),
        )
        client = BookableClient(
            http=http,
            tokens=tokens,
            partner_reference=partner_reference,
            retry=retry,
            **client_options,
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()


@pytest.fixture
async def client(sandbox: Sandbox, make_client: ClientFactory) -> BookableClient:
    return await make_client(sandbox.url, sandbox.auth_url)
