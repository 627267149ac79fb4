"""`bookable-bot webhooks …` against a real sandbox process: places printed, never the key."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.devtools.serving import free_port

from .test_cli import clean_env, run_cli


@pytest.fixture
def sandbox_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", str(port)],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{url}/_control/state", timeout=1)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "sandbox did not start"
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_register_show_test_delete(tmp_path: Path, sandbox_url: str) -> None:
    env = clean_env(
        BOOKABLE_ENV="sandbox",
        BOOKABLE_API_URL=sandbox_url,
        BOOKABLE_AUTH_URL=f"{sandbox_url}/oauth/token",
        BOOKABLE_CLIENT_ID="local-client",
        BOOKABLE_CLIENT_SECRET="local-secret",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        BOT_ENCRYPTION_KEY=Fernet.generate_key().decode(),
    )

    registered = run_cli("webhooks", "register", "http://127.0.0.1:9/", cwd=tmp_path, env=env)
    assert registered.returncode == 0, registered.stderr
    assert "Registered http://127.0.0.1:9/webhooks/bookable" in registered.stdout
    assert "encrypted" in registered.stdout
    # The key Bookable returned once is nowhere in what the command printed.
    state = httpx.get(f"{sandbox_url}/_control/state").json()
    assert state["webhook"]["callbackUrl"] == "http://127.0.0.1:9/webhooks/bookable"
    shown = run_cli("webhooks", "show", cwd=tmp_path, env=env)
    assert shown.returncode == 0
    assert "http://127.0.0.1:9/webhooks/bookable" in shown.stdout
    assert "encrypted" in shown.stdout

    tested = run_cli("webhooks", "test", cwd=tmp_path, env=env)
    assert tested.returncode == 0, tested.stderr

    deleted = run_cli("webhooks", "delete", cwd=tmp_path, env=env)
    assert deleted.returncode == 0, deleted.stderr
    assert httpx.get(f"{sandbox_url}/_control/state").json()["webhook"] is None
    after = run_cli("webhooks", "show", cwd=tmp_path, env=env)
    assert "not configured" in after.stdout


def test_register_never_prints_the_secret(tmp_path: Path, sandbox_url: str) -> None:
    env = clean_env(
        BOOKABLE_ENV="sandbox",
        BOOKABLE_API_URL=sandbox_url,
        BOOKABLE_AUTH_URL=f"{sandbox_url}/oauth/token",
        BOOKABLE_CLIENT_ID="local-client",
        BOOKABLE_CLIENT_SECRET="local-secret",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        LOG_LEVEL="DEBUG",
    )
    result = run_cli("webhooks", "register", "http://127.0.0.1:9", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "bot.db") as db:
        values = [row[0] for row in db.execute("select value from secrets")]
    secret = next(v for v in values if not v.startswith("http"))
    assert secret not in result.stdout + result.stderr
    assert "local-secret" not in result.stdout + result.stderr
