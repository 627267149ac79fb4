"""Fixtures for the webhook → Slack pipeline.

Every database test runs on SQLite (a tmp file) and, when TEST_DATABASE_URL is set, on a
fresh Postgres database. The ingest endpoint runs under real uvicorn (its own event loop
and its own Store); tests drive a Notifier in their own loop against the same database,
and a fake Slack serves the Web API on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.config import Settings
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.serving import BackgroundServer
from bot.notify.notifier import Notifier
from bot.service.webhooks import WebhookIngest
from bot.store import Store

from .support import WEBHOOK_SECRET, postgres_database, sign

BOT_TOKEN = "xoxb-webhooks-test-4d2c9e7a1b"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "soak: long end-to-end runs with real serve processes (deselect: -m 'not soak')"
    )


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    async with postgres_database() as url:
        yield url


@pytest.fixture
def fake_options() -> dict[str, Any]:
    """Override (e.g. with parametrize) to rate-limit the fake Slack."""
    return {}


@pytest.fixture
def fake(fake_options: dict[str, Any]) -> Iterator[FakeSlack]:
    slack = FakeSlack(bot_token=BOT_TOKEN, **fake_options)
    server = BackgroundServer(slack.app).start()
    slack.base_url = server.url
    try:
        yield slack
    finally:
        slack.close_streams()
        server.stop()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings(db_url: str, fake: FakeSlack, settings_overrides: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {
        "bookable_env": "local",
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": "signing-secret-for-webhook-tests",
        "slack_api_url": f"{fake.base_url}/api/",
        "database_url": db_url,
        "bookable_webhook_secret": WEBHOOK_SECRET,
        "notifier_channel_rate": 50.0,
        "notifier_channel_burst": 10,
        "notifier_max_backoff": 0.5,
        **settings_overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    opened = await Store.connect(db_url)
    try:
        yield opened
    finally:
        await opened.close()


class WebhookServer:
    """The ingest endpoint under uvicorn, optionally with a running notifier (like `serve`)."""

    def __init__(self, settings: Settings, notifier_options: dict[str, Any] | None) -> None:
        self.settings = settings
        self._notifier_options = notifier_options
        self.ingest: WebhookIngest | None = None
        self.notifier: Notifier | None = None
        self.server = BackgroundServer(self._app())

    def _app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            store = await Store.connect(self.settings.database_url)
            self.ingest = WebhookIngest(store, self.settings)
            if self._notifier_options is not None:
                self.notifier = Notifier(store, self.settings, **self._notifier_options)
                self.ingest.on_accepted = self.notifier.wake
                await self.notifier.start()
            try:
                yield
            finally:
                if self.notifier is not None:
                    await self.notifier.stop()
                await store.close()

        async def endpoint(request: Request) -> Response:
            assert self.ingest is not None
            return await self.ingest.handle(request)

        return Starlette(
            routes=[Route("/webhooks/bookable", endpoint, methods=["POST"])], lifespan=lifespan
        )

    @property
    def url(self) -> str:
        return f"{self.server.url}/webhooks/bookable"

    async def post(
        self,
        body: bytes,
        *,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        sent = {"content-type": "application/json", **(headers or {})}
        if signed:
            sent["x-api-key"] = signature if signature is not None else sign(body)
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(self.url, content=body, headers=sent)


@pytest.fixture
def webhook_server(settings: Settings) -> Iterator[Callable[..., WebhookServer]]:
    """`webhook_server(notifier=None)` starts the endpoint; pass notifier options to run one."""
    started: list[WebhookServer] = []

    def start(notifier: dict[str, Any] | None = None) -> WebhookServer:
        server = WebhookServer(settings, notifier)
        server.server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.server.stop()


@pytest.fixture
async def make_notifier(store: Store, settings: Settings) -> AsyncIterator[Callable[..., Notifier]]:
    """Notifiers in the test's own loop (stopped at the end)."""
    made: list[Notifier] = []

    def make(**options: Any) -> Notifier:
        options.setdefault("poll_interval", 0.05)
        notifier = Notifier(options.pop("store", store), settings, **options)
        made.append(notifier)
        return notifier

    yield make
    for notifier in made:
        await notifier.stop(grace=1.0)


async def drain(notifier: Notifier, store: Store, *, within: float = 20.0) -> None:
    """Run the notifier until the outbox is empty (retries with delays included)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        await notifier.run_once()
        stats = await store.outbox_stats()
        if stats["pending"] == 0 and stats["leased"] == 0:
            return
        if loop.time() > deadline:
            raise AssertionError(f"outbox not drained within {within}s: {stats}")
        await asyncio.sleep(0.02)


Drain = Callable[..., Awaitable[None]]


@pytest.fixture
def drain_outbox() -> Drain:
    return drain
