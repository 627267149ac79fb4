"""OAuth mode (many workspaces): Bolt's Add to Slack flow and per-workspace authorize over
our database, every call (the code exchange and token refreshes included) to SLACK_API_URL.

`GET /slack/install` shows the Add to Slack page (its link: SLACK_AUTHORIZE_URL with the
client id, scopes and a fresh state, also set as a cookie); `GET /slack/oauth_redirect`
refuses a forged, replayed or expired state before any exchange, then calls
`oauth.v2.access` and stores the bot installation encrypted."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.service.workspaces import WorkspaceRetirement
from bot.slack.installations import DatabaseInstallationStore, DatabaseStateStore
from bot.store import Store

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def oauth_app_options(settings: Settings, store: Store, client: AsyncWebClient) -> dict[str, Any]:
    """AsyncApp keyword arguments for OAuth mode; {} in SLACK_BOT_TOKEN mode."""
    if not settings.oauth_mode:
        return {}
    assert settings.slack_client_id and settings.slack_client_secret
    secret = settings.slack_client_secret.get_secret_value()
    installations = DatabaseInstallationStore(store)
    redirect = settings.slack_redirect_uri or (
        f"{str(settings.public_url).rstrip('/')}{REDIRECT_PATH}" if settings.public_url else None
    )
    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=secret,
        scopes=[scope.strip() for scope in settings.slack_scopes.split(",") if scope.strip()],
        user_scopes=[],
        redirect_uri=str(redirect) if redirect else None,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=str(settings.slack_authorize_url),
        installation_store=installations,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=settings.slack_token_rotation_minutes,
        state_store=DatabaseStateStore(store),
        logger=logging.getLogger("slack_bolt.oauth"),
    )
    # Bolt's own authorize (from the settings) refreshes rotating tokens with a default
    # client that calls slack.com; this one uses ours (SLACK_API_URL). Its cache keeps the
    # auth.test answer per token, so acks do not wait on Slack each time; the installation
    # is still read for every request, so an uninstalled workspace is refused at once.
    authorize = AsyncInstallationStoreAuthorize(
        logger=logging.getLogger("slack_bolt.authorize"),
        installation_store=installations,
        client_id=settings.slack_client_id,
        client_secret=secret,
        token_rotation_expiration_minutes=settings.slack_token_rotation_minutes,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )
    return {
        "oauth_settings": oauth,
        "authorize": authorize,
        "installation_store": installations,
        "installation_store_bot_only": True,
    }


def register_workspace_events(app: AsyncApp, settings: Settings, store: Store) -> None:
    """OAuth mode: remember each Enterprise Grid workspace's org; retire a workspace that
    uninstalls the app or whose bot token is revoked."""
    if not settings.oauth_mode:
        return
    retirement = WorkspaceRetirement(store, settings)
    known: set[tuple[str, str]] = set()

    @app.middleware
    async def remember_org(context: AsyncBoltContext, next: Any) -> Any:
        team, org = context.team_id, context.enterprise_id
        if team and org and (team, org) not in known:
            await store.remember_team(team, org)
            known.add((team, org))
        return await next()

    @app.event("app_uninstalled")
    async def uninstalled(context: AsyncBoltContext) -> None:
        await retirement.retire(
            enterprise_id=context.enterprise_id,
            team_id=context.team_id,
            org_wide=bool(context.is_enterprise_install),
            why="the app was uninstalled",
        )

    @app.event("tokens_revoked")
    async def revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if not (event.get("tokens") or {}).get("bot"):
            return  # only user tokens: the app stores none
        await retirement.retire(
            enterprise_id=context.enterprise_id,
            team_id=context.team_id,
            org_wide=bool(context.is_enterprise_install),
            why="the bot token was revoked",
        )
