"""Bolt's OAuth pieces over our database: the installation store (bot tokens only, Fernet-
encrypted by the store), the OAuth state store (each state consumed once), and
`WorkspaceTokens`, which gives the notifier the right bot token for a workspace in either
mode (the one SLACK_BOT_TOKEN, or the workspace's installation, rotated when expiring)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.logging_setup import register_secrets
from bot.store import Store
from bot.store.workspaces import InstallationRow

log = logging.getLogger(__name__)

STATE_TTL = dt.timedelta(minutes=10)  # Bolt's default state_expiration_seconds


class NotInstalled(Exception):
    """No installation (any more) for the workspace: nothing can be posted there."""


def _scopes(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else ",".join(value)


def _expires(value: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value, dt.UTC) if value else None


def row_from_bot(bot: Bot, *, installer_user_id: str | None = None) -> InstallationRow:
    return InstallationRow(
        enterprise_id=bot.enterprise_id,
        team_id=None if bot.is_enterprise_install else bot.team_id,
        is_enterprise_install=bool(bot.is_enterprise_install),
        bot_token=bot.bot_token,
        bot_refresh_token=bot.bot_refresh_token,
        bot_token_expires_at=_expires(bot.bot_token_expires_at),
        app_id=bot.app_id,
        enterprise_name=bot.enterprise_name,
        team_name=bot.team_name,
        bot_id=bot.bot_id,
        bot_user_id=bot.bot_user_id,
        bot_scopes=_scopes(bot.bot_scopes),
        installer_user_id=installer_user_id,
        installed_at=dt.datetime.fromtimestamp(bot.installed_at, dt.UTC),
    )


def bot_from_row(row: InstallationRow) -> Bot:
    register_secrets((row.bot_token, row.bot_refresh_token))  # masked in every log line
    expires = row.bot_token_expires_at
    return Bot(
        app_id=row.app_id,
        enterprise_id=row.enterprise_id,
        enterprise_name=row.enterprise_name,
        team_id=row.team_id,
        team_name=row.team_name,
        bot_token=row.bot_token,
        bot_id=row.bot_id or "",
        bot_user_id=row.bot_user_id or "",
        bot_scopes=row.bot_scopes or "",
        bot_refresh_token=row.bot_refresh_token,
        bot_token_expires_at=int(expires.timestamp()) if expires else None,
        is_enterprise_install=row.is_enterprise_install,
        installed_at=(row.installed_at or dt.datetime.now(dt.UTC)).timestamp(),
    )


class DatabaseInstallationStore(AsyncInstallationStore):
    """Bot installations only (the app asks for no user scopes): Bolt runs with
    `installation_store_bot_only=True`, so `async_find_bot` is what authorizes."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        bot = installation.to_bot()
        row = row_from_bot(bot, installer_user_id=installation.user_id)
        await self._store.save_installation(row)
        if installation.enterprise_id and installation.team_id:
            await self._store.remember_team(installation.team_id, installation.enterprise_id)
        log.info("installed in %s", installation.team_id or f"org {installation.enterprise_id}")

    async def async_save_bot(self, bot: Bot) -> None:
        existing = await self._store.find_installation_row(
            bot.enterprise_id, None if bot.is_enterprise_install else bot.team_id
        )
        installer = existing.installer_user_id if existing else None
        await self._store.save_installation(row_from_bot(bot, installer_user_id=installer))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        row = await self._store.find_installation_row(
            enterprise_id, None if is_enterprise_install else team_id
        )
        return bot_from_row(row) if row else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        raise NotImplementedError  # bot-only: Bolt falls back to async_find_bot

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.delete_installation_row(enterprise_id, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:  # user tokens are never stored; only the bot's matters
            await self._store.delete_installation_row(enterprise_id, team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.delete_installation_row(enterprise_id, team_id)


class DatabaseStateStore(AsyncOAuthStateStore):
    """A state is issued with each Add to Slack link and accepted once, within STATE_TTL:
    a forged, replayed or expired one is refused before any code exchange."""

    def __init__(self, store: Store, *, ttl: dt.timedelta = STATE_TTL) -> None:
        self._store = store
        self._ttl = ttl

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        await self._store.issue_oauth_state(state, ttl=self._ttl)
        return state

    async def async_consume(self, state: str) -> bool:
        return bool(state) and await self._store.consume_oauth_state(state)


class WorkspaceTokens:
    """The bot token to post in a workspace with. Token mode: always SLACK_BOT_TOKEN.
    OAuth mode: the workspace's installation (or its org's org-wide one), refreshed through
    `oauth.v2.access` when it expires within `rotation_minutes` (one refresh at a time per
    installation in this process)."""

    def __init__(
        self,
        *,
        single_token: str | None = None,
        store: Store | None = None,
        rotator: AsyncTokenRotator | None = None,
        rotation_minutes: int = 120,
    ) -> None:
        if single_token is None and store is None:
            raise ValueError("either a single token or a store of installations")
        self._single = single_token
        self._store = store
        self._installations = DatabaseInstallationStore(store) if store is not None else None
        self._rotator = rotator
        self._minutes = rotation_minutes
        self._refreshing: dict[tuple[str | None, bool], asyncio.Lock] = {}

    @property
    def many(self) -> bool:
        return self._single is None

    async def bot_token(self, team_id: str | None) -> str:
        if self._single is not None:
            return self._single
        assert self._store is not None and self._installations is not None
        if not team_id:
            raise NotInstalled("no workspace")
        enterprise_id = await self._store.enterprise_of(team_id)
        for org_wide in (False, True) if enterprise_id else (False,):
            key = (enterprise_id if org_wide else team_id, org_wide)
            lock = self._refreshing.setdefault(key, asyncio.Lock())
            async with lock:
                bot = await self._installations.async_find_bot(
                    enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org_wide
                )
                if bot is not None:
                    return await self._fresh(bot)
        raise NotInstalled(f"the app is not installed in workspace {team_id}")

    async def _fresh(self, bot: Bot) -> str:
        if bot.bot_refresh_token is None or self._rotator is None:
            return bot.bot_token
        refreshed = await self._rotator.perform_bot_token_rotation(
            bot=bot, minutes_before_expiration=self._minutes
        )
        if refreshed is None:
            return bot.bot_token
        assert self._installations is not None
        await self._installations.async_save_bot(refreshed)
        return refreshed.bot_token


def rotator_for(client_id: str, client_secret: str, base_url: str) -> AsyncTokenRotator:
    """Refreshes go to SLACK_API_URL like every other call (slack_sdk's default client
    would call slack.com)."""
    return AsyncTokenRotator(
        client_id=client_id,
        client_secret=client_secret,
        client=AsyncWebClient(base_url=base_url),
    )


def workspace_tokens(settings: Settings, store: Store) -> WorkspaceTokens:
    """Token mode: SLACK_BOT_TOKEN for every post. OAuth mode: each workspace's own."""
    if not settings.oauth_mode:
        token = settings.slack_bot_token
        return WorkspaceTokens(single_token=token.get_secret_value() if token else "")
    assert settings.slack_client_id and settings.slack_client_secret
    return WorkspaceTokens(
        store=store,
        rotator=rotator_for(
            settings.slack_client_id,
            settings.slack_client_secret.get_secret_value(),
            str(settings.slack_api_url),
        ),
        rotation_minutes=settings.slack_token_rotation_minutes,
    )
