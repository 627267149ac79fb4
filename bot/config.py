"""Settings, read from the environment and `.env`.

`load_settings()` turns every validation problem into one readable message (exit code 2,
no traceback, no secret values) so a newcomer knows exactly which variables to set.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROD_API_URL = "https://api.bookabletech.com"
PROD_AUTH_URL = "https://auth.bookabletech.com/oauth/token"
SANDBOX_API_URL = "https://api-sandbox.bookabletech.com"
SANDBOX_AUTH_URL = "https://auth-sandbox.bookabletech.com/oauth/token"

# Credentials the embedded sandbox accepts; they guard nothing real.
LOCAL_CLIENT_ID = "local-client"
LOCAL_CLIENT_SECRET = "local-secret"
LOCAL_SANDBOX_PREFIX = "/_sandbox"


class BookableEnv(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"
    LOCAL = "local"


class SignatureEncoding(StrEnum):
    HEX = "hex"
    BASE64 = "base64"


HINTS: dict[str, str] = {
    "SLACK_BOT_TOKEN": "the xoxb- token under OAuth & Permissions after installing the app",
    "SLACK_SIGNING_SECRET": "Basic Information > App Credentials > Signing Secret",
    "SLACK_APP_TOKEN": "an xapp- app-level token with connections:write (Socket Mode only)",
    "BOOKABLE_CLIENT_ID": "Bookable Portal > account settings (or set BOOKABLE_ENV=local)",
    "BOOKABLE_CLIENT_SECRET": "Bookable Portal > account settings (or set BOOKABLE_ENV=local)",
    "BOOKABLE_ENV": "one of sandbox, production, local",
    "DATABASE_URL": "e.g. sqlite+aiosqlite:///bookable-bot.db or postgresql+asyncpg://…",
    "BOT_ENCRYPTION_KEY": "a Fernet key: python -c 'from cryptography.fernet import Fernet;"
    " print(Fernet.generate_key().decode())'",
}

Seconds = Annotated[float, Field(gt=0)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: AnyHttpUrl = AnyHttpUrl("https://slack.com/api/")
    slack_admin_user_ids: str = ""  # comma-separated fallback when users.info is unavailable

    # Bookable
    bookable_env: BookableEnv = BookableEnv.SANDBOX
    bookable_client_id: str | None = None
    bookable_client_secret: SecretStr | None = None
    bookable_api_url: AnyHttpUrl | None = None
    bookable_auth_url: AnyHttpUrl | None = None
    bookable_audience: str = "api.bookabletech.com"
    bookable_partner_reference: str | None = None
    bookable_webhook_secret: SecretStr | None = None
    # Bookable's docs leave these open (docs/bookable-gaps.md); the sandbox follows them too.
    bookable_webhook_signature_encoding: SignatureEncoding = SignatureEncoding.HEX
    bookable_token_refresh_margin: Seconds = 60.0
    bookable_timeout: Seconds = 10.0
    bookable_connect_timeout: Seconds = 5.0
    bookable_max_retries: Annotated[int, Field(ge=0, le=10)] = 3
    bookable_max_retry_wait: Seconds = 30.0
    bookable_search_cache_ttl: Annotated[float, Field(ge=0)] = 30.0

    # Storage and server
    database_url: str = "sqlite+aiosqlite:///bookable-bot.db"
    bot_encryption_key: SecretStr | None = None
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 3000
    public_url: AnyHttpUrl | None = None
    log_level: str = "INFO"

    # Notifier pacing (Slack allows about 1 message per second per channel)
    notifier_channel_rate: Annotated[float, Field(gt=0)] = 1.0
    notifier_channel_burst: Annotated[int, Field(ge=1)] = 3
    notifier_max_backoff: Seconds = 60.0

    # A create nobody confirmed (no answer, no matching webhook) is given up on after this,
    # and the booker told; the sweep looks every `submission_sweep_interval`.
    submission_unconfirmed_after: Seconds = 1800.0
    submission_sweep_interval: Seconds = 60.0

    @model_validator(mode="after")
    def _check_required(self) -> Settings:
        missing = []
        if self.bookable_env is not BookableEnv.LOCAL:
            if not self.bookable_client_id:
                missing.append("BOOKABLE_CLIENT_ID")
            if not self.bookable_client_secret:
                missing.append("BOOKABLE_CLIENT_SECRET")
        if missing:
            raise ValueError("missing: " + ", ".join(missing))
        return self

    @property
    def is_local(self) -> bool:
        return self.bookable_env is BookableEnv.LOCAL

    @cached_property
    def client_id(self) -> str:
        return self.bookable_client_id or LOCAL_CLIENT_ID

    @cached_property
    def client_secret(self) -> SecretStr:
        return self.bookable_client_secret or SecretStr(LOCAL_CLIENT_SECRET)

    def api_base_url(self, local_base: str | None = None) -> str:
        """Bookable API root; `local_base` is where the embedded sandbox is served."""
        if self.bookable_api_url:
            return str(self.bookable_api_url).rstrip("/")
        if self.is_local:
            return (local_base or f"http://{self.host}:{self.port}") + LOCAL_SANDBOX_PREFIX
        return PROD_API_URL if self.bookable_env is BookableEnv.PRODUCTION else SANDBOX_API_URL

    def auth_url(self, local_base: str | None = None) -> str:
        if self.bookable_auth_url:
            return str(self.bookable_auth_url)
        if self.is_local:
            return self.api_base_url(local_base) + "/oauth/token"
        return PROD_AUTH_URL if self.bookable_env is BookableEnv.PRODUCTION else SANDBOX_AUTH_URL

    def admin_user_ids(self) -> frozenset[str]:
        return frozenset(u.strip() for u in self.slack_admin_user_ids.split(",") if u.strip())


class SettingsError(Exception):
    """Raised with a message that is safe to print (names, never values)."""


def _missing_slack(settings: Settings) -> dict[str, str]:
    required = (
        ("SLACK_BOT_TOKEN", settings.slack_bot_token),
        ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
    )
    return {
        name: "is required" for name, value in required if not value or not value.get_secret_value()
    }


def _format_problems(problems: dict[str, str]) -> str:
    lines = ["Bookable for Slack cannot start: some settings are missing or invalid."]
    for name, problem in problems.items():
        hint = HINTS.get(name)
        lines.append(f"  - {name} {problem}" + (f" (get it from: {hint})" if hint else ""))
    lines.append("Set them in the environment or in a .env file (see .env.example).")
    return "\n".join(lines)


def _problems_from(error: ValidationError) -> dict[str, str]:
    problems: dict[str, str] = {}
    for item in error.errors(include_input=False, include_url=False):
        loc = [str(part) for part in item["loc"]]
        if loc:
            problems[loc[0].upper()] = f"is invalid: {item['msg']}"
            continue
        message = str(item.get("msg", ""))
        if "missing: " in message:
            for name in message.split("missing: ", 1)[1].split(", "):
                problems[name.strip()] = "is required"
        else:
            problems["SETTINGS"] = message
    return problems


def load_settings(*, need_slack: bool = True, **overrides: Any) -> Settings:
    """Validate everything at once; `need_slack=False` for commands that never call Slack."""
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        problems = _problems_from(error)
        if need_slack:
            partial = Settings.model_construct(**_slack_values(overrides))
            problems = {**_missing_slack(partial), **problems}
        raise SettingsError(_format_problems(problems)) from None
    problems = _missing_slack(settings) if need_slack else {}
    if problems:
        raise SettingsError(_format_problems(problems))
    return settings


def _slack_values(overrides: dict[str, Any]) -> dict[str, Any]:
    """Slack secrets from env/.env even when other settings failed validation."""
    import os

    from dotenv import dotenv_values  # only on the error path

    values: dict[str, Any] = {}
    env_file = {k.upper(): v for k, v in dotenv_values(".env").items()}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        raw = overrides.get(name.lower()) or os.environ.get(name) or env_file.get(name)
        values[name.lower()] = SecretStr(raw) if isinstance(raw, str) else raw
    return values


def exit_on_settings_error(error: SettingsError) -> int:
    print(str(error), file=sys.stderr)
    return 2
