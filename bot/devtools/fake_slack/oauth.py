"""The fake's side of Slack's OAuth v2: the authorize page (the user consents at once),
`oauth.v2.access` for a code or a refresh token (token rotation), and which workspace each
issued bot token belongs to, so every Web API call is checked and recorded per token."""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.devtools.fake_slack.directory import BOT_USER_ID, TEAM_NAME
from bot.devtools.fake_slack.messages import SlackError

FAKE_APP_ID = "A0BOOKABLE"
OAUTH_ACCESS_METHOD = "oauth.v2.access"  # authorised by client id and secret, not a token


@dataclass(frozen=True)
class Grant:
    """Who a token speaks for."""

    team_id: str | None  # None for an org-wide install's token
    enterprise_id: str | None
    is_enterprise_install: bool
    expires_at: float | None = None  # rotating tokens only


@dataclass(frozen=True)
class Consent:
    team_id: str
    enterprise_id: str | None
    org_wide: bool
    user_id: str
    scopes: str


class OAuthGrants:
    """Not thread-safe by itself: the fake calls it under its lock."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        rotation_seconds: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.rotation_seconds = rotation_seconds  # None: tokens never expire (no rotation)
        self.redirect_uri: str | None = None  # used when the authorize link names none
        self.next_consent: dict[str, Any] = {}  # who consents next (team_id, enterprise_id…)
        self._clock = clock
        self._codes: dict[str, Consent] = {}
        self._tokens: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}
        self.exchanges = 0  # successful code exchanges

    # --- the browser side ----------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> str:
        """Where Slack sends the browser after consent: the redirect URL with a code and
        the state, as given. Raises SlackError for an unknown client id."""
        if query.get("client_id") != self.client_id:
            raise SlackError("invalid_client_id")
        redirect = query.get("redirect_uri") or self.redirect_uri
        if not redirect:
            raise SlackError("bad_redirect_uri")
        consent = dict(self.next_consent)
        team = str(consent.get("team_id") or query.get("team") or "T0PLAYGRND")
        code = "code-" + secrets.token_hex(8)
        self._codes[code] = Consent(
            team_id=team,
            enterprise_id=consent.get("enterprise_id"),
            org_wide=bool(consent.get("org_wide")),
            user_id=str(consent.get("user_id") or "U_ALICE"),
            scopes=query.get("scope", ""),
        )
        return f"{redirect}?{urlencode({'code': code, 'state': query.get('state', '')})}"

    # --- oauth.v2.access -----------------------------------------------------------------

    def access(self, args: dict[str, Any], authorization: str) -> dict[str, Any]:
        client_id, client_secret = _client_credentials(args, authorization)
        if client_id != self.client_id:
            raise SlackError("invalid_client_id")
        if not hmac.compare_digest(client_secret.encode(), self.client_secret.encode()):
            raise SlackError("bad_client_secret")
        if args.get("grant_type") == "refresh_token":
            return self._refreshed(str(args.get("refresh_token") or ""))
        consent = self._codes.pop(str(args.get("code") or ""), None)  # single use
        if consent is None:
            raise SlackError("invalid_code")
        self.exchanges += 1
        grant = Grant(
            team_id=None if consent.org_wide else consent.team_id,
            enterprise_id=consent.enterprise_id,
            is_enterprise_install=consent.org_wide,
        )
        body = {
            "app_id": FAKE_APP_ID,
            "authed_user": {"id": consent.user_id},
            "scope": consent.scopes,
            "token_type": "bot",
            "bot_user_id": BOT_USER_ID,
            "team": None if consent.org_wide else {"id": consent.team_id, "name": TEAM_NAME},
            "enterprise": (
                {"id": consent.enterprise_id, "name": consent.enterprise_id}
                if consent.enterprise_id
                else None
            ),
            "is_enterprise_install": consent.org_wide,
        }
        return body | self._issue(grant, refresh=self.rotation_seconds is not None)

    def _refreshed(self, refresh_token: str) -> dict[str, Any]:
        grant = self._refresh.get(refresh_token)
        if grant is None:
            raise SlackError("invalid_refresh_token")
        return (
            {"token_type": "bot", "app_id": FAKE_APP_ID}
            | self._issue(grant, refresh=False)
            | {
                "refresh_token": refresh_token  # Slack's refresh token stays the same
            }
        )

    def _issue(self, grant: Grant, *, refresh: bool) -> dict[str, Any]:
        prefix = "xoxe.xoxb-" if self.rotation_seconds is not None else "xoxb-"
        token = f"{prefix}{grant.team_id or grant.enterprise_id}-{secrets.token_hex(12)}"
        issued: dict[str, Any] = {"access_token": token}
        if self.rotation_seconds is not None:
            grant = Grant(
                grant.team_id,
                grant.enterprise_id,
                grant.is_enterprise_install,
                expires_at=self._clock() + self.rotation_seconds,
            )
            issued["expires_in"] = self.rotation_seconds
            if refresh:
                refresh_token = "xoxe-1-" + secrets.token_hex(16)
                self._refresh[refresh_token] = grant
                issued["refresh_token"] = refresh_token
        self._tokens[token] = grant
        return issued

    # --- per-call checks -----------------------------------------------------------------

    def grant_for(self, token: str) -> Grant | None:
        """Whom an issued token speaks for; raises SlackError for an expired one."""
        grant = self._tokens.get(token)
        if grant is not None and grant.expires_at is not None and grant.expires_at <= self._clock():
            raise SlackError("token_expired")
        return grant

    def revoke(self, team_id: str | None = None, enterprise_id: str | None = None) -> None:
        """The workspace (or org) uninstalled the app: its tokens stop working."""

        def revoked(grant: Grant) -> bool:
            return (team_id is not None and grant.team_id == team_id) or (
                enterprise_id is not None and grant.enterprise_id == enterprise_id
            )

        self._tokens = {t: g for t, g in self._tokens.items() if not revoked(g)}
        self._refresh = {t: g for t, g in self._refresh.items() if not revoked(g)}


def _client_credentials(args: dict[str, Any], authorization: str) -> tuple[str, str]:
    """HTTP Basic (slack_sdk's way) or client_id/client_secret arguments."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip()).decode()
        except ValueError:
            raise SlackError("invalid_auth") from None
        client_id, _, client_secret = decoded.partition(":")
        return client_id, client_secret
    return str(args.get("client_id") or ""), str(args.get("client_secret") or "")
