"""`bookable-bot webhooks …` functions against the local Bookable sandbox, end to end:
the secret Bookable hands out lands in the store and verifies the events it then signs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from sqlalchemy import text

from bot.bookable.client import BookableClient
from bot.config import Settings
from bot.devtools.serving import BackgroundServer
from bot.service import webhook_admin
from bot.store import Store

from .conftest import WebhookServer

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=["hex", "base64"])
def sandbox_url(request: pytest.FixtureRequest) -> Iterator[str]:
    from bot.sandbox import SandboxConfig, SandboxState, create_sandbox_app

    config = SandboxConfig(signature_encoding=request.param)
    with BackgroundServer(create_sandbox_app(SandboxState(config))) as server:
        yield server.url


@pytest.fixture
async def bookable(settings: Settings, sandbox_url: str) -> AsyncIterator[BookableClient]:
    client = BookableClient.from_settings(
        settings, api_url=sandbox_url, auth_url=f"{sandbox_url}/oauth/token"
    )
    try:
        yield client
    finally:
        await client.aclose()


def _sandbox_state(sandbox_url: str) -> dict[str, object]:
    import httpx

    return httpx.get(f"{sandbox_url}/_control/state", timeout=10).json()


async def _events(store: Store) -> int:
    async with store.engine.connect() as connection:
        count = await connection.execute(text("SELECT count(*) FROM webhook_events"))
        return int(count.scalar_one())


@pytest.mark.parametrize("settings_overrides", [{"bookable_webhook_secret": None}])
async def test_register_test_show_update_delete(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    settings: Settings,
    bookable: BookableClient,
    sandbox_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = webhook_server()

    where = await webhook_admin.register(bookable, store, server.server.url + "/")

    secret = await store.get_secret(webhook_admin.SECRET_NAME)
    assert secret and secret not in where
    assert "secrets" in where and "database" in where
    assert _sandbox_state(sandbox_url)["webhook"] == {"callbackUrl": server.url}
    info = await webhook_admin.show(store, settings)
    assert info.callback_url == server.url
    assert info.secret_source == store.secret_location()
    assert secret not in info.describe()

    # The sandbox signs its test event with the secret it gave us: our endpoint accepts it.
    await webhook_admin.test(bookable)
    for _ in range(100):
        if await _events(store):
            break
        await asyncio.sleep(0.05)
    assert await _events(store) == 1

    moved = await webhook_admin.update(bookable, store, "http://127.0.0.1:9/elsewhere")
    assert moved == "http://127.0.0.1:9/elsewhere/webhooks/bookable"
    assert (await webhook_admin.show(store, settings)).callback_url == moved
    assert await store.get_secret(webhook_admin.SECRET_NAME) == secret  # unchanged

    await webhook_admin.delete(bookable, store)
    assert await store.get_secret(webhook_admin.SECRET_NAME) is None
    assert _sandbox_state(sandbox_url)["webhook"] is None
    assert (await webhook_admin.show(store, settings)).secret_source is None
    assert all(secret not in record.getMessage() for record in caplog.records)


async def test_show_says_the_environment_secret_wins(store: Store, settings: Settings) -> None:
    await store.put_secret(webhook_admin.SECRET_NAME, "stored-but-overridden-1234")
    info = await webhook_admin.show(store, settings)
    assert info.secret_source is not None and "BOOKABLE_WEBHOOK_SECRET" in info.secret_source
    assert "stored-but-overridden-1234" not in info.describe()


@pytest.mark.parametrize("sandbox_url", ["hex"], indirect=True)
@pytest.mark.parametrize("base", ["ftp://bot.example.com", "bot.example.com", ""])
async def test_register_refuses_a_base_url_that_is_not_http(
    store: Store, bookable: BookableClient, sandbox_url: str, base: str
) -> None:
    with pytest.raises(ValueError):
        await webhook_admin.register(bookable, store, base)
    assert _sandbox_state(sandbox_url)["webhook"] is None
