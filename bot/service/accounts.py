"""A Bookable partner account per workspace (optional): a workspace admin connects the
workspace's own client id and secret; without one, the operator's (BOOKABLE_CLIENT_ID).

`BookableAccounts.client_for(team)` is the client a request of that workspace uses; the
Slack app sets it for each request (`use_account`), so the booking service, and the follow-up
work queued from the request (it copies the context), call Bookable as that workspace. Token
caching is per credential, process-wide (`bot.bookable.auth.TokenProviders`)."""

from __future__ import annotations

import logging
import secrets
from contextvars import ContextVar
from dataclasses import dataclass

from cachetools import TTLCache
from pydantic import SecretStr

from bot.bookable.client import BookableClient
from bot.bookable.errors import TokenError
from bot.store import EncryptionKeyError, Store

log = logging.getLogger(__name__)

MAX_FIELD = 256  # Bookable's client ids and secrets are far shorter


@dataclass(frozen=True)
class AccountClient:
    account_id: str
    client: BookableClient


# The current request's workspace account; None: the operator's default client.
_current: ContextVar[AccountClient | None] = ContextVar("bookable_account", default=None)


def current_account() -> AccountClient | None:
    return _current.get()


def use_account(account: AccountClient | None) -> None:
    """For the rest of the current task (a request's) and the tasks it starts or queues."""
    _current.set(account)


@dataclass(frozen=True)
class ConnectOutcome:
    """`account_id` when connected; else `problem`, safe to show (never the secret)."""

    account_id: str | None = None
    problem: str | None = None


class BookableAccounts:
    def __init__(self, default: BookableClient, store: Store, *, ttl: float = 30.0) -> None:
        self._default = default
        self._store = store
        # team → its account (None: the default), re-read after `ttl` (other processes).
        self._by_team: TTLCache[str, AccountClient | None] = TTLCache(10_000, ttl)

    async def client_for(self, team_id: str | None) -> AccountClient | None:
        """The workspace's own account, or None for the operator's default."""
        if not team_id:
            return None
        if team_id in self._by_team:
            return self._by_team[team_id]
        stored = await self._store.bookable_account(team_id=team_id)
        found = (
            AccountClient(
                stored.account_id,
                self._default.with_credentials(stored.client_id, SecretStr(stored.client_secret)),
            )
            if stored
            else None
        )
        self._by_team[team_id] = found
        return found

    async def has_own(self, team_id: str) -> bool:
        """For the Home tab's section: does the workspace use its own account?"""
        return await self.client_for(team_id) is not None

    async def client_for_account(self, account_id: str) -> AccountClient | None:
        stored = await self._store.bookable_account(account_id=account_id)
        if stored is None:
            return None
        client = self._default.with_credentials(stored.client_id, SecretStr(stored.client_secret))
        return AccountClient(stored.account_id, client)

    async def connect(
        self, team_id: str, user_id: str, client_id: str, client_secret: str
    ) -> ConnectOutcome:
        """Validate by fetching a token with them, then store them (the secret encrypted)."""
        client_id, client_secret = client_id.strip(), client_secret.strip()
        if not client_id or not client_secret:
            return ConnectOutcome(problem="Both the client id and the client secret are needed.")
        if len(client_id) > MAX_FIELD or len(client_secret) > MAX_FIELD:
            return ConnectOutcome(problem="That is longer than any Bookable credential.")
        secret = SecretStr(client_secret)
        candidate = self._default.with_credentials(client_id, secret)
        try:
            await candidate.tokens.token()
        except TokenError as error:
            providers = self._default.token_providers
            if providers is not None:
                providers.forget(candidate.tokens.auth_url, client_id, secret)
            log.info("workspace %s: Bookable credentials refused (%s)", team_id, error.status)
            if error.status in (400, 401, 403):
                return ConnectOutcome(problem="Bookable did not accept these credentials.")
            return ConnectOutcome(problem="Bookable could not be reached; try again shortly.")
        account_id = "acct-" + secrets.token_hex(6)
        try:
            await self._store.put_bookable_account(
                account_id, team_id, client_id, client_secret, created_by=user_id
            )
        except EncryptionKeyError:
            log.error("workspace %s: cannot store Bookable credentials without a key", team_id)
            return ConnectOutcome(
                problem="This app cannot store credentials yet (its operator has not set "
                "BOT_ENCRYPTION_KEY)."
            )
        self._by_team.pop(team_id, None)
        log.info("workspace %s connected its own Bookable account %s", team_id, account_id)
        return ConnectOutcome(account_id=account_id)

    async def disconnect(self, team_id: str) -> bool:
        self._by_team.pop(team_id, None)
        return await self._store.delete_bookable_account(team_id)
