"""Settings, read from the environment and `.env`.

`load_settings()` turns pydantic's validation errors into one readable message (exit
code 2, no traceback, no secret values) so a newcomer knows exactly which variables to
set. Every check is pydantic's own: field constraints, and validators that raise a
`required_setting` error on the field, so each problem carries its variable's location.
"""

from __future__ import annotations

import hashlib
import hmac
import sys
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
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


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"  # one JSON object per line, with the request's correlation id


class UninstallData(StrEnum):
    KEEP = "keep"  # an uninstalled workspace's bookings stay (a reinstall finds them)
    PURGE = "purge"  # its bookings, submissions and subscriptions are deleted


class SignatureEncoding(StrEnum):
    HEX = "hex"
    BASE64 = "base64"


# The manifest's bot scopes (manifests/slack-app.yml): what OAuth mode asks for by default.
DEFAULT_BOT_SCOPES = (
    "commands,chat:write,chat:write.public,users:read,users:read.email,im:write,"
    "channels:read,groups:read,channels:history,groups:history,im:history"
)
SLACK_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"

HINTS: dict[str, str] = {
    "SLACK_BOT_TOKEN": "the xoxb- token under OAuth & Permissions after installing the app"
    " (single-workspace mode; leave it empty with SLACK_CLIENT_ID)",
    "SLACK_CLIENT_ID": "Basic Information > App Credentials > Client ID (many-workspace mode;"
    " leave SLACK_BOT_TOKEN empty)",
    "SLACK_CLIENT_SECRET": "Basic Information > App Credentials > Client Secret",
    "SLACK_SIGNING_SECRET": "Basic Information > App Credentials > Signing Secret",
    "SLACK_APP_TOKEN": "an xapp- app-level token with connections:write (Socket Mode only)",
    "BOOKABLE_CLIENT_ID": "Bookable Portal > account settings (or set BOOKABLE_ENV=local)",
    "BOOKABLE_CLIENT_SECRET": "Bookable Portal > account settings (or set BOOKABLE_ENV=local)",
    "BOOKABLE_ENV": "one of sandbox, production, local",
    "LOG_FORMAT": "text (the default) or json",
    "DATABASE_URL": "e.g. sqlite+aiosqlite:///bookable-bot.db or postgresql+asyncpg://…",
    "VENUE_TIMEZONE": "an IANA zone name, e.g. Europe/London",
    "UNINSTALL_DATA": "keep or purge",
    "BOT_ENCRYPTION_KEY": "a Fernet key (required with SLACK_CLIENT_ID): python -c"
    " 'from cryptography.fernet import Fernet;"
    " print(Fernet.generate_key().decode())'",
}

Seconds = Annotated[float, Field(gt=0)]
REQUIRED = "required_setting"  # the error type of a setting that must be set


def _require(value: str | SecretStr | None) -> None:
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not text:
        raise PydanticCustomError(REQUIRED, "is required")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )
    # Bookable's client id and secret are required (unless BOOKABLE_ENV=local).
    needs_bookable: ClassVar[bool] = True

    # Slack. OAuth mode (many workspaces) when SLACK_CLIENT_ID is set; declared before the
    # bot token so the token's validator can see it (pydantic validates in field order).
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = Field(default=None, validate_default=True)
    slack_scopes: str = DEFAULT_BOT_SCOPES
    slack_redirect_uri: AnyHttpUrl | None = None  # default: PUBLIC_URL + /slack/oauth_redirect
    slack_authorize_url: AnyHttpUrl = AnyHttpUrl(SLACK_AUTHORIZE_URL)  # the fake Slack's in tests
    # Refresh a rotating bot token this long before it expires (Bolt's default).
    slack_token_rotation_minutes: Annotated[int, Field(ge=1, le=720)] = 120
    uninstall_data: UninstallData = UninstallData.KEEP
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: AnyHttpUrl = AnyHttpUrl("https://slack.com/api/")
    slack_admin_user_ids: str = ""  # comma-separated fallback when users.info is unavailable

    # Bookable
    bookable_env: BookableEnv = BookableEnv.SANDBOX
    # Required unless BOOKABLE_ENV=local (checked even when unset: validate_default).
    bookable_client_id: str | None = Field(default=None, validate_default=True)
    bookable_client_secret: SecretStr | None = Field(default=None, validate_default=True)
    bookable_api_url: AnyHttpUrl | None = None
    bookable_auth_url: AnyHttpUrl | None = None
    bookable_audience: str = "api.bookabletech.com"
    bookable_partner_reference: str | None = None
    bookable_webhook_secret: SecretStr | None = None
    # Bookable's docs leave these open (docs/architecture.md, "Bookable's contract").
    bookable_webhook_signature_encoding: SignatureEncoding = SignatureEncoding.HEX
    bookable_token_refresh_margin: Seconds = 60.0
    bookable_timeout: Seconds = 10.0
    bookable_connect_timeout: Seconds = 5.0
    bookable_max_retries: Annotated[int, Field(ge=0, le=10)] = 3
    bookable_max_retry_wait: Seconds = 30.0
    bookable_search_cache_ttl: Annotated[float, Field(ge=0)] = 30.0
    # Free times in search results (bot/service/times.py): answers are reused this long,
    # at most this many live availability calls a minute go to them (per process; Bookable
    # allows 200 a minute for everything), and none while Bookable's own count of calls
    # left this minute is below the reserve (kept for searches and bookings).
    search_times_cache_ttl: Annotated[float, Field(ge=0)] = 60.0
    search_times_budget: Annotated[int, Field(ge=0)] = 100
    search_times_reserve: Annotated[int, Field(ge=0)] = 40
    search_times_window_minutes: Annotated[int, Field(ge=0, le=720)] = 90  # around `time:`

    # Storage and server
    database_url: str = "sqlite+aiosqlite:///bookable-bot.db"
    bot_encryption_key: SecretStr | None = Field(default=None, validate_default=True)
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 3000
    public_url: AnyHttpUrl | None = None
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.TEXT

    # Follow-up work after an ack: this many concurrent workers, and at most this many
    # jobs waiting; past that, people are told "busy" (docs/architecture.md, Listeners).
    # Workers mostly wait on Bookable: they finish about workers / Bookable latency jobs a
    # second. The Bookable client keeps a connection for each (at least 100).
    followup_workers: Annotated[int, Field(ge=1, le=1000)] = 100
    followup_queue_size: Annotated[int, Field(ge=1)] = 500

    # Notifier pacing (Slack allows about 1 message per second per channel)
    notifier_channel_rate: Annotated[float, Field(gt=0)] = 1.0
    notifier_channel_burst: Annotated[int, Field(ge=1)] = 3
    notifier_max_backoff: Seconds = 60.0
    # A job failing transiently is given up (a dead letter) after this many failures or
    # once it is this old (seconds), whichever comes first.
    notifier_max_attempts: Annotated[int, Field(ge=1)] = 12
    notifier_max_age: Seconds = 24 * 3600.0

    # A create nobody confirmed (no answer, no matching webhook) is given up on after this,
    # and the booker told; the sweep looks every `submission_sweep_interval`.
    submission_unconfirmed_after: Seconds = 1800.0
    submission_sweep_interval: Seconds = 60.0

    # Reminders: a DM to the booker this long before a confirmed booking starts; due ones
    # are looked for every `reminder_poll_interval`. Bookable does not document the zone of
    # a booking's date and time (bookable-api.md §11): they are the venue's local time, and
    # every venue is taken to be in VENUE_TIMEZONE.
    reminder_lead: Seconds = 2 * 3600.0
    reminder_poll_interval: Seconds = 30.0
    venue_timezone: str = "Europe/London"

    # "Add to calendar" links (served at PUBLIC_URL/calendar/…): signed with
    # CALENDAR_SIGNING_KEY, else with a key derived from SLACK_SIGNING_SECRET; valid until
    # this many days after the booking starts. Events last the booking's duration, else
    # `default_booking_duration` minutes.
    calendar_signing_key: SecretStr | None = None
    calendar_link_days: Annotated[int, Field(ge=1, le=366)] = 7
    default_booking_duration: Annotated[int, Field(ge=1, le=24 * 60)] = 120

    @field_validator("bookable_client_id", "bookable_client_secret")
    @classmethod
    def _bookable_credentials(
        cls, value: str | SecretStr | None, info: ValidationInfo
    ) -> str | SecretStr | None:
        environment = info.data.get("bookable_env")  # absent when itself invalid
        needed = cls.needs_bookable and environment is not None
        if needed and environment is not BookableEnv.LOCAL:
            _require(value)
        return value

    @field_validator("venue_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise PydanticCustomError(
                "unknown_zone", "is not an IANA time zone such as Europe/London"
            ) from None
        return value

    @field_validator("slack_client_secret")
    @classmethod
    def _oauth_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if info.data.get("slack_client_id"):
            _require(value)
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _one_slack_mode(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None and value.get_secret_value() and info.data.get("slack_client_id"):
            raise PydanticCustomError(
                "conflicting_setting",
                "cannot be set together with SLACK_CLIENT_ID: choose one mode (a bot token"
                " for one workspace, or client id and secret for Add to Slack)",
            )
        return value

    @field_validator("bot_encryption_key")
    @classmethod
    def _key_for_installations(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if info.data.get("slack_client_id"):  # installations hold bot tokens
            _require(value)
        return value

    @property
    def oauth_mode(self) -> bool:
        """Add to Slack, many workspaces (SLACK_CLIENT_ID), rather than one bot token."""
        return bool(self.slack_client_id)

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

    @property
    def venue_zone(self) -> ZoneInfo:
        return ZoneInfo(self.venue_timezone)

    def calendar_key(self) -> bytes | None:
        """The calendar links' HMAC key: CALENDAR_SIGNING_KEY, else derived from the Slack
        signing secret (a different key, so a calendar link never reveals anything about
        Slack's); None when neither is set (no links)."""
        if self.calendar_signing_key is not None:
            return self.calendar_signing_key.get_secret_value().encode()
        if self.slack_signing_secret is None:
            return None
        secret = self.slack_signing_secret.get_secret_value().encode()
        return hmac.new(secret, b"bookable-bot calendar links v1", hashlib.sha256).digest()

    def public_base(self, local_base: str | None = None) -> str:
        """Where people reach this app (links in messages): PUBLIC_URL, else the server."""
        if self.public_url is not None:
            return str(self.public_url).rstrip("/")
        return local_base or f"http://{self.host}:{self.port}"

    def admin_user_ids(self) -> frozenset[str]:
        return frozenset(u.strip() for u in self.slack_admin_user_ids.split(",") if u.strip())


class SettingsError(Exception):
    """Raised with a message that is safe to print (names, never values)."""


class StoreSettings(Settings):
    """Settings for commands that only read and write the database (`bookable-bot outbox`):
    Bookable's credentials are not needed."""

    needs_bookable: ClassVar[bool] = False


class SlackSettings(Settings):
    """Settings for commands that call Slack: its bot token and signing secret are required."""

    slack_bot_token: SecretStr | None = Field(default=None, validate_default=True)
    slack_signing_secret: SecretStr | None = Field(default=None, validate_default=True)

    @field_validator("slack_bot_token", "slack_signing_secret")
    @classmethod
    def _slack_credentials(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if info.field_name == "slack_signing_secret" or not info.data.get("slack_client_id"):
            _require(value)  # OAuth mode has no bot token of its own
        return value


def _format_problems(problems: dict[str, str], purpose: str | None = None) -> str:
    if purpose:
        lead = f"{purpose} needs settings that are missing or invalid."
    else:
        lead = "Bookable for Slack cannot start: some settings are missing or invalid."
    lines = [lead]
    for name, problem in problems.items():
        hint = HINTS.get(name)
        lines.append(f"  - {name} {problem}" + (f" (get it from: {hint})" if hint else ""))
    lines.append("Set them in the environment or in a .env file (see .env.example).")
    return "\n".join(lines)


def _problems_from(error: ValidationError) -> dict[str, str]:
    """Variable name -> problem, from pydantic's errors (never their input values)."""
    problems: dict[str, str] = {}
    for item in error.errors(include_input=False, include_url=False, include_context=False):
        name = str(item["loc"][0]).upper() if item["loc"] else "SETTINGS"
        required = item["type"] in (REQUIRED, "missing")
        problems.setdefault(name, "is required" if required else f"is invalid: {item['msg']}")
    return problems


def load_settings(
    *,
    need_slack: bool = True,
    need_bookable: bool = True,
    purpose: str | None = None,
    **overrides: Any,
) -> Settings:
    """Validate everything at once; `need_slack=False` for commands that never call Slack,
    `need_bookable=False` (with it) for those that never call Bookable either. `purpose`
    names the command in the error (else: the app "cannot start")."""
    model = SlackSettings if need_slack else Settings if need_bookable else StoreSettings
    try:
        return model(**overrides)
    except ValidationError as error:
        raise SettingsError(_format_problems(_problems_from(error), purpose)) from None


def exit_on_settings_error(error: SettingsError) -> int:
    print(str(error), file=sys.stderr)
    return 2
