"""Fixtures: the sandbox under a real uvicorn on loopback, plus a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.config import SignatureEncoding
from bot.devtools.serving import BackgroundServer
from bot.sandbox import SandboxConfig, SandboxState, create_sandbox_app

from .support import RETRY_UNIT, Receiver, Sandbox


def _serve(config: SandboxConfig) -> Iterator[Sandbox]:
    state = SandboxState(config)
    server = BackgroundServer(create_sandbox_app(state)).start()
    sandbox = Sandbox(server, state)
    try:
        yield sandbox
    finally:
        sandbox.http.close()
        server.stop()


@pytest.fixture(scope="session")
def _shared_sandbox() -> Iterator[Sandbox]:
    yield from _serve(SandboxConfig(retry_unit_seconds=RETRY_UNIT))


@pytest.fixture
def sandbox(_shared_sandbox: Sandbox) -> Sandbox:
    """A running sandbox with seed data, no tokens, no webhook and default knobs."""
    _shared_sandbox.reset()
    return _shared_sandbox


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with sandbox.api() as client:
        yield client


@pytest.fixture(scope="session")
def _slow_retry_sandbox() -> Iterator[Sandbox]:
    yield from _serve(SandboxConfig(signature_encoding=SignatureEncoding.BASE64))


@pytest.fixture
def slow_retry_sandbox(_slow_retry_sandbox: Sandbox) -> Sandbox:
    """Bookable's real retry unit (60 s) and base64 signatures: only the clock moves it on."""
    _slow_retry_sandbox.reset()
    return _slow_retry_sandbox


@pytest.fixture(scope="session")
def _shared_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.server.start()
    yield receiver
    receiver.server.stop()


@pytest.fixture
def receiver(_shared_receiver: Receiver) -> Receiver:
    _shared_receiver.reset()
    return _shared_receiver


@pytest.fixture
def registered(api: httpx.Client, receiver: Receiver) -> str:
    """Registers the receiver as the webhook and gives it the secret; returns the secret."""
    response = api.post("/webhooks", json={"callbackUrl": receiver.url})
    assert response.status_code == 201
    receiver.secret = str(response.json()["secretKey"])
    return receiver.secret
