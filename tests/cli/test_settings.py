"""`load_settings`: pydantic's own errors, one line per variable, never a secret value."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings

SETTING_PREFIXES = ("SLACK_", "BOOKABLE_", "DATABASE_URL", "BOT_ENCRYPTION_KEY", "PORT", "HOST")
TOKEN = "xoxb-never-print-" + "4" * 20


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


def _problems(**overrides: object) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(**overrides)
    message = str(caught.value)
    assert TOKEN not in message and "signing-value" not in message
    return [line.removeprefix("  - ") for line in message.splitlines() if line.startswith("  - ")]


def test_every_missing_variable_is_named_with_where_to_get_it() -> None:
    problems = _problems(_env_file=None)
    assert [line.split()[0] for line in problems] == [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "BOOKABLE_CLIENT_ID",
        "BOOKABLE_CLIENT_SECRET",
    ]
    assert all("is required (get it from: " in line for line in problems)


def test_an_invalid_value_is_named_with_pydantics_reason_and_not_echoed() -> None:
    problems = _problems(
        _env_file=None,
        bookable_env="local",
        slack_bot_token=TOKEN,
        slack_signing_secret="signing-value",
        port="signing-value",
    )
    assert problems == [
        "PORT is invalid: Input should be a valid integer, unable to parse string as an integer"
    ]


def test_an_empty_slack_secret_is_missing() -> None:
    problems = _problems(
        _env_file=None, bookable_env="local", slack_bot_token=TOKEN, slack_signing_secret=""
    )
    assert [line.split()[0] for line in problems] == ["SLACK_SIGNING_SECRET"]


def test_slack_secrets_from_the_given_env_file_count_when_another_setting_is_invalid(
    tmp_path: Path,
) -> None:
    env_file = tmp_path / "custom.env"
    env_file.write_text(
        f"SLACK_BOT_TOKEN={TOKEN}\nSLACK_SIGNING_SECRET=signing-value\nBOOKABLE_ENV=local\n"
    )
    problems = _problems(_env_file=env_file, port="0")
    assert [line.split()[0] for line in problems] == ["PORT"]


def test_commands_without_slack_need_only_bookable() -> None:
    settings = load_settings(_env_file=None, need_slack=False, bookable_env="local")
    assert settings.slack_bot_token is None
    assert _problems(_env_file=None, need_slack=False, bookable_env="sandbox") == [
        line
        for line in _problems(_env_file=None, bookable_env="sandbox")
        if not line.startswith("SLACK_")
    ]


def test_oauth_mode_needs_its_secret_and_an_encryption_key_but_no_bot_token() -> None:
    problems = _problems(
        _env_file=None, bookable_env="local", slack_signing_secret="s", slack_client_id="1.2"
    )
    assert [line.split()[0] for line in problems] == ["SLACK_CLIENT_SECRET", "BOT_ENCRYPTION_KEY"]
    settings = load_settings(
        _env_file=None, bookable_env="local", slack_signing_secret="s", slack_client_id="1.2",
        slack_client_secret="signing-value", bot_encryption_key="k",
    )  # fmt: skip
    assert settings.oauth_mode and settings.slack_bot_token is None
    assert "chat:write" in settings.slack_scopes.split(",")


def test_a_bot_token_and_oauth_client_together_are_a_clear_error() -> None:
    problems = _problems(
        _env_file=None, bookable_env="local", slack_signing_secret="s", slack_bot_token=TOKEN,
        slack_client_id="1.2", slack_client_secret="signing-value", bot_encryption_key="k",
    )  # fmt: skip
    [problem] = problems
    assert problem.startswith("SLACK_BOT_TOKEN is invalid: cannot be set together with")
    assert "SLACK_CLIENT_ID" in problem
