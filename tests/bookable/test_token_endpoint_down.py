"""A token endpoint that is down gives a typed TokenError, within the configured timeout."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from bot.bookable.errors import TokenError
from bot.devtools.serving import free_port

from .conftest import ClientFactory
from .support import Sandbox

TOKEN_TIMEOUT = 0.5


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (kernel backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield int(listener.getsockname()[1])


async def test_token_failure_status_is_typed(sandbox: Sandbox, make_client: ClientFactory) -> None:
    sandbox.knobs(token_failure=503)
    client = await make_client(sandbox.url, sandbox.auth_url)
    with pytest.raises(TokenError) as caught:
        await client.get_venue("v-1", correlation_id="cid-503")
    assert caught.value.status == 503
    assert caught.value.correlation_id == "cid-503"
    assert sandbox.tokens_issued() == 0
    assert sandbox.api_requests() == 0


async def test_closed_port_is_a_token_error(make_client: ClientFactory) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    client = await make_client(url, f"{url}/oauth/token", token_timeout=TOKEN_TIMEOUT)
    started = time.monotonic()
    with pytest.raises(TokenError) as caught:
        await client.get_venue("v-1", correlation_id="cid-closed")
    assert time.monotonic() - started < TOKEN_TIMEOUT + 2.0
    assert caught.value.status is None
    assert caught.value.correlation_id == "cid-closed"
    assert "ConnectError" in str(caught.value)


async def test_silent_endpoint_times_out_within_the_configured_timeout(
    silent_port: int, make_client: ClientFactory
) -> None:
    url = f"http://127.0.0.1:{silent_port}"
    client = await make_client(url, f"{url}/oauth/token", token_timeout=TOKEN_TIMEOUT)
    started = time.monotonic()
    with pytest.raises(TokenError) as caught:
        await client.tokens.token()
    elapsed = time.monotonic() - started
    assert TOKEN_TIMEOUT * 0.8 <= elapsed < TOKEN_TIMEOUT + 2.0
    assert "timed out" in str(caught.value)
