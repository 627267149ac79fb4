"""A start-up that fails half-way stops what already started (issue 9, item 11)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.web.app as web_app
from bot.config import Settings
from bot.context import AppContext
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.serving import BackgroundServer
from bot.notify.notifier import Notifier


class SocketModeRefused(Exception):
    pass


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(bot_token="xoxb-startup-test")
    server = BackgroundServer(slack.app).start()
    slack.base_url = server.url
    try:
        yield slack
    finally:
        server.stop()


async def test_a_step_failing_after_the_notifier_started_closes_everything(
    fake: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bookable_env="local",
        slack_bot_token="xoxb-startup-test",
        slack_signing_secret="signing-secret-for-startup-tests",
        slack_app_token="xapp-1-startup-test",
        slack_api_url=f"{fake.base_url}/api/",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    )
    app = web_app.build_asgi_app(settings, public_base="http://127.0.0.1:9")
    running_when_it_failed: list[bool] = []

    async def refuse(settings: Settings, bolt: object) -> None:
        running_when_it_failed.append(app.state.services["notifier"].running)
        raise SocketModeRefused  # Socket Mode is the step after the notifier starts

    monkeypatch.setattr(web_app, "_start_socket_mode", refuse)

    with pytest.raises(SocketModeRefused):
        async with app.router.lifespan_context(app):
            pytest.fail("start-up should have failed")

    assert running_when_it_failed == [True]
    notifier, ctx = app.state.services["notifier"], app.state.services["ctx"]
    assert isinstance(notifier, Notifier) and isinstance(ctx, AppContext)
    assert not notifier.running
    assert ctx.http_session.closed
    assert ctx.store.engine.sync_engine.pool.checkedin() == 0  # disposed: no connection kept
