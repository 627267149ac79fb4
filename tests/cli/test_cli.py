"""The console script as a newcomer meets it: real subprocesses, clean environments."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.devtools.serving import free_port

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
