"""The console script as a newcomer meets it: real subprocesses, clean environments."""

from __future__ import annotations

import argparse
import io
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import __version__
from bot.cli import _parser
from bot.devtools.serving import free_port
from bot.logging_setup import configure_logging

SETTING_NAMES = ("SLACK_", "BOOKABLE_", "DATABASE_URL", "BOT_ENCRYPTION_KEY", "PORT", "HOST")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_NAMES)}
    env.update(extra)
    return env


def run_cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_with_nothing_configured_exits_2_naming_every_variable(tmp_path: Path) -> None:
    result = run_cli("serve", cwd=tmp_path, env=clean_env())

    assert result.returncode == 2
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "BOOKABLE_CLIENT_ID",
        "BOOKABLE_CLIENT_SECRET",
    ):
        assert name in result.stderr
    assert ".env.example" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_invalid_settings_message_never_prints_secret_values(tmp_path: Path) -> None:
    token = "xoxb-do-not-print-" + "7" * 20
    env = clean_env(SLACK_BOT_TOKEN=token, SLACK_SIGNING_SECRET="s3cr3t-signing-value", PORT="x")
    result = run_cli("serve", cwd=tmp_path, env=env)

    assert result.returncode == 2
    assert "PORT" in result.stderr
    assert token not in result.stderr + result.stdout
    assert "s3cr3t-signing-value" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_settings_from_dotenv_file_are_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOOKABLE_ENV=nonsense\n")
    result = run_cli("serve", cwd=tmp_path, env=clean_env())

    assert result.returncode == 2
    assert "BOOKABLE_ENV" in result.stderr


def test_sandbox_command_serves_a_token_and_venues(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", str(port)],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                token = httpx.post(
                    f"{base}/oauth/token",
                    json={
                        "grant_type": "client_credentials",
                        "client_id": "local-client",
                        "client_secret": "local-secret",
                        "audience": "api.bookabletech.com",
                    },
                ).json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "sandbox did not start"
                time.sleep(0.1)
        venues = httpx.get(
            f"{base}/venues",
            params={"venueName": "dishoom"},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert venues.status_code == 200
        names = [venue["name"] for venue in venues.json()["data"]]
        assert names and all("Dishoom" in name for name in names)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_version_and_every_argument_has_help_text(tmp_path: Path) -> None:
    result = run_cli("--version", cwd=tmp_path, env=clean_env())
    assert result.returncode == 0 and result.stdout.strip() == f"bookable-bot {__version__}"

    def walk(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.Action]]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    yield from ((f"{name} {where}", a) for where, a in walk(child))
            else:
                yield "", action

    missing = [
        f"{where}{'/'.join(a.option_strings) or a.dest}"
        for where, a in walk(_parser())
        if not a.help or a.help == argparse.SUPPRESS
    ]
    assert missing == []


def test_webhooks_without_an_action_prints_its_help(tmp_path: Path) -> None:
    result = run_cli("webhooks", cwd=tmp_path, env=clean_env())
    assert result.returncode == 2
    assert "usage: bookable-bot webhooks" in result.stdout and "register" in result.stdout
    assert "Traceback" not in result.stderr


def test_webhooks_show_names_itself_not_the_app_when_settings_are_missing(
    tmp_path: Path,
) -> None:
    result = run_cli("webhooks", "show", cwd=tmp_path, env=clean_env())
    assert result.returncode == 2
    assert "`bookable-bot webhooks show` needs settings" in result.stderr
    assert "cannot start" not in result.stderr and "BOOKABLE_CLIENT_ID" in result.stderr


def test_alembic_plugin_lines_and_bolts_token_warning_stay_out_of_the_log(
    tmp_path: Path,
) -> None:
    env = clean_env(
        BOOKABLE_ENV="local", LOG_LEVEL="INFO", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/b.db"
    )
    result = run_cli("webhooks", "show", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "Running upgrade" in result.stderr  # the migrations' own INFO lines still show
    assert "setup plugin" not in result.stderr and "plugin" not in result.stderr


def test_bolts_token_will_be_unused_warning_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = io.StringIO()
    configure_logging("INFO")
    logging.getLogger().addHandler(logging.StreamHandler(seen))
    # Bolt reads SLACK_BOT_TOKEN itself and warns when a client is given too, as we do.
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    AsyncApp(
        signing_secret="s" * 32,
        client=AsyncWebClient(token="xoxb-test"),
        logger=logging.getLogger("slack_bolt"),
    )
    logging.getLogger("slack_bolt").warning("a real Bolt warning")
    assert "will be unused" not in seen.getvalue() and "a real Bolt warning" in seen.getvalue()
