"""`serve --workers N`: N processes on one port, sharing everything through Postgres."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from bot.config import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.serving import BackgroundServer
from bot.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from bot.store import Store
from tests.webhooks.support import (
    WEBHOOK_SECRET,
    ServeProcess,
    at,
    booking_json,
    envelope,
    outbox_drained,
    postgres_database,
    seed_booking,
    sign,
)

from .test_cli import clean_env, run_cli

BOT_TOKEN = "xoxb-workers-test-51c0ffee"
BOOKINGS = 12


def test_sqlite_refuses_several_workers_naming_postgres(tmp_path: Path) -> None:
    env = clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET="workers-signing-secret",
        BOOKABLE_ENV="local",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    )
    result = run_cli("serve", "--workers", "2", cwd=tmp_path, env=env)

    assert result.returncode == 2
    assert "Postgres" in result.stderr and "--workers 2" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "bot.db").exists()  # refused before anything started


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(bot_token=BOT_TOKEN)
    with BackgroundServer(slack.app) as server:
        slack.base_url = server.url
        yield slack
        slack.close_streams()


@pytest.fixture
def sandbox_url() -> Iterator[str]:
    with BackgroundServer(create_sandbox_app(SandboxState(SandboxConfig()))) as server:
        yield server.url


@pytest.mark.timeout(180)
async def test_two_workers_serve_one_port_and_share_the_outbox(
    fake: FakeSlack, sandbox_url: str, tmp_path: Path
) -> None:
    async with postgres_database() as database_url:
        store = await Store.connect(database_url)  # migrates, and seeds what the app made
        try:
            records = [
                await seed_booking(store, fake, f"29|CO|work{n:03d}") for n in range(BOOKINGS)
            ]
        finally:
            await store.close()
        env = clean_env(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET="workers-signing-secret",
            SLACK_API_URL=f"{fake.base_url}/api/",
            BOOKABLE_ENV="sandbox",
            BOOKABLE_API_URL=sandbox_url,
            BOOKABLE_AUTH_URL=f"{sandbox_url}/oauth/token",
            BOOKABLE_CLIENT_ID=LOCAL_CLIENT_ID,
            BOOKABLE_CLIENT_SECRET=LOCAL_CLIENT_SECRET,
            BOOKABLE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            DATABASE_URL=database_url,
            HOST="127.0.0.1",
            NOTIFIER_CHANNEL_RATE="100",
            NOTIFIER_CHANNEL_BURST="20",
            LOG_LEVEL="WARNING",
        )
        server = ServeProcess(env, tmp_path, "workers", args=("--workers", "2"))
        try:
            server.start()  # until /healthz answers 200
            assert server.process is not None
            children = psutil.Process(server.process.pid).children()
            workers = [c for c in children if "multiprocessing.spawn" in " ".join(c.cmdline())]
            assert len(workers) == 2, [c.cmdline() for c in children]

            async with httpx.AsyncClient(timeout=10) as client:
                for record in records:  # each delivered twice, as Bookable may
                    body = envelope(booking_json(record.booking_id, "confirmed", at(1)))
                    headers = {"content-type": "application/json", "x-api-key": sign(body)}
                    for _ in range(2):
                        answer = await client.post(
                            f"{server.url}/webhooks/bookable", content=body, headers=headers
                        )
                        assert answer.is_success, answer.text
            observer = await Store.connect(database_url)
            try:
                await outbox_drained(observer, within=60)
            finally:
                await observer.close()
            for record in records:
                assert record.message_ts is not None
                replies = fake.thread(record.channel_id, record.message_ts)
                assert len(replies) == 1, (record.booking_id, replies)
        finally:
            server.stop()
