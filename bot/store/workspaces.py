"""Many workspaces: Slack installations (tokens encrypted), OAuth states, the Enterprise
Grid org of each workspace, a workspace's own Bookable account, and what an uninstall
does to a workspace's data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import delete, or_, select, update

from bot.logging_setup import redact
from bot.store.core import StoreCore
from bot.store.errors import EncryptionKeyError
from bot.store.outbox import DEAD, FINISHED, MAX_ERROR_LENGTH
from bot.store.records import UNRESOLVED_PREFIX
from bot.store.schema import (
    bookable_accounts,
    bookings,
    outbox,
    plan_options,
    plan_votes,
    plans,
    slack_installations,
    slack_oauth_states,
    slack_teams,
    submissions,
    subscriptions,
    webhook_events,
)
from bot.store.secrets import KEY_SETTING


@dataclass(frozen=True)
class InstallationRow:
    """One bot installation, tokens in clear (decrypted on read)."""

    enterprise_id: str | None
    team_id: str | None  # None for an org-wide (Enterprise Grid) install
    is_enterprise_install: bool
    bot_token: str
    bot_refresh_token: str | None = None
    bot_token_expires_at: dt.datetime | None = None
    app_id: str | None = None
    enterprise_name: str | None = None
    team_name: str | None = None
    bot_id: str | None = None
    bot_user_id: str | None = None
    bot_scopes: str | None = None
    installer_user_id: str | None = None
    installed_at: dt.datetime | None = None


@dataclass(frozen=True)
class BookableAccount:
    account_id: str
    team_id: str
    client_id: str
    client_secret: str  # in clear: only for the token request, never shown


def install_key(enterprise_id: str | None, team_id: str | None) -> str:
    return f"{enterprise_id or ''}/{team_id or ''}"


_ENCRYPTED = ("bot_token", "bot_refresh_token")


class WorkspacesMixin(StoreCore):
    # --- encryption ------------------------------------------------------------------

    def _seal(self, value: str | None) -> str | None:
        if value is None:
            return None
        if self._cipher is None:
            raise EncryptionKeyError(f"{KEY_SETTING} is required to store workspace tokens")
        return self._cipher.encrypt(value.encode()).decode()

    def _open(self, value: str | None, what: str) -> str | None:
        if value is None:
            return None
        if self._cipher is None:
            raise EncryptionKeyError(f"{what} is stored encrypted: set {KEY_SETTING}")
        try:
            return self._cipher.decrypt(value.encode()).decode()
        except InvalidToken:
            raise EncryptionKeyError(
                f"cannot decrypt {what}: {KEY_SETTING} is not the key it was stored with"
            ) from None

    # --- installations ---------------------------------------------------------------

    async def save_installation(self, row: InstallationRow) -> None:
        """Insert or replace the installation of its workspace (or org)."""
        now = self._now()
        values: dict[str, Any] = {f.name: getattr(row, f.name) for f in fields(row)}
        for name in _ENCRYPTED:
            values[name] = self._seal(values[name])
        values["install_key"] = install_key(row.enterprise_id, row.team_id)
        values["installed_at"] = row.installed_at or now
        values["updated_at"] = now
        insert = self._insert(slack_installations).values(**values)
        kept = {"install_key", "installed_at"}
        upsert = insert.on_conflict_do_update(
            index_elements=[slack_installations.c.install_key],
            set_={name: insert.excluded[name] for name in values if name not in kept},
        )
        async with self._write(urgent=True) as connection:
            await connection.execute(upsert)

    async def find_installation_row(
        self, enterprise_id: str | None, team_id: str | None
    ) -> InstallationRow | None:
        query = select(slack_installations).where(
            slack_installations.c.install_key == install_key(enterprise_id, team_id)
        )
        async with self._read() as connection:
            row = (await connection.execute(query)).mappings().first()
        if row is None:
            return None
        values = {f.name: row[f.name] for f in fields(InstallationRow)}
        for name in _ENCRYPTED:
            values[name] = self._open(values[name], f"the Slack {name.replace('_', ' ')}")
        return InstallationRow(**values)

    async def delete_installation_row(self, enterprise_id: str | None, team_id: str | None) -> bool:
        statement = delete(slack_installations).where(
            slack_installations.c.install_key == install_key(enterprise_id, team_id)
        )
        async with self._write(urgent=True) as connection:
            return (await connection.execute(statement)).rowcount > 0

    # --- OAuth states ----------------------------------------------------------------

    async def issue_oauth_state(self, state: str, *, ttl: dt.timedelta) -> None:
        now = self._now()
        async with self._write(urgent=True) as connection:
            await connection.execute(
                delete(slack_oauth_states).where(slack_oauth_states.c.expires_at <= now)
            )
            await connection.execute(
                slack_oauth_states.insert().values(state=state, expires_at=now + ttl)
            )

    async def consume_oauth_state(self, state: str) -> bool:
        """True exactly once for a state issued here and not expired."""
        statement = delete(slack_oauth_states).where(
            slack_oauth_states.c.state == state, slack_oauth_states.c.expires_at > self._now()
        )
        async with self._write(urgent=True) as connection:
            return (await connection.execute(statement)).rowcount > 0

    # --- Enterprise Grid orgs of workspaces -------------------------------------------

    async def remember_team(self, team_id: str, enterprise_id: str) -> None:
        insert = self._insert(slack_teams).values(team_id=team_id, enterprise_id=enterprise_id)
        upsert = insert.on_conflict_do_update(
            index_elements=[slack_teams.c.team_id],
            set_={"enterprise_id": insert.excluded.enterprise_id},
        )
        async with self._write() as connection:
            await connection.execute(upsert)

    async def enterprise_of(self, team_id: str) -> str | None:
        query = select(slack_teams.c.enterprise_id).where(slack_teams.c.team_id == team_id)
        async with self._read() as connection:
            return (await connection.execute(query)).scalar()

    async def teams_of_enterprise(self, enterprise_id: str) -> list[str]:
        query = select(slack_teams.c.team_id).where(slack_teams.c.enterprise_id == enterprise_id)
        async with self._read() as connection:
            return list((await connection.execute(query)).scalars())

    # --- uninstall -------------------------------------------------------------------

    async def retire_workspaces(self, team_ids: list[str], reason: str, *, purge: bool) -> int:
        """The workspaces' unfinished outbox jobs become dead letters with `reason`; with
        `purge`, their bookings, submissions, subscriptions, meal plans and Bookable account
        go too.
        One transaction; the number of jobs killed."""
        if not team_ids:
            return 0
        booked = select(bookings.c.booking_id).where(bookings.c.team_id.in_(team_ids))
        unresolved = select(UNRESOLVED_PREFIX + submissions.c.key).where(
            submissions.c.team_id.in_(team_ids)
        )
        now = self._now()
        kill = (
            update(outbox)
            .where(
                outbox.c.state.not_in(FINISHED),
                or_(outbox.c.booking_id.in_(booked), outbox.c.booking_id.in_(unresolved)),
            )
            .values(
                state=DEAD,
                leased_by=None,
                lease_until=None,
                dead_reason=redact(reason)[:MAX_ERROR_LENGTH],
                dead_at=now,
            )
        )
        async with self._write(urgent=True) as connection:
            killed = (await connection.execute(kill)).rowcount
            if purge:
                # A plan's votes and options first (SQLite may not enforce the cascade).
                team_plans = select(plans.c.plan_id).where(plans.c.team_id.in_(team_ids))
                for child in (plan_votes, plan_options):
                    await connection.execute(delete(child).where(child.c.plan_id.in_(team_plans)))
                for table in (bookings, submissions, subscriptions, bookable_accounts, plans):
                    await connection.execute(delete(table).where(table.c.team_id.in_(team_ids)))
        return int(killed)

    # --- a workspace's own Bookable account ------------------------------------------

    async def put_bookable_account(
        self, account_id: str, team_id: str, client_id: str, client_secret: str, *, created_by: str
    ) -> None:
        """Replaces the workspace's account (if any)."""
        values = {
            "account_id": account_id,
            "team_id": team_id,
            "client_id": client_id,
            "client_secret": self._seal(client_secret),
            "created_by": created_by,
            "created_at": self._now(),
        }
        async with self._write(urgent=True) as connection:
            await connection.execute(
                delete(bookable_accounts).where(bookable_accounts.c.team_id == team_id)
            )
            await connection.execute(bookable_accounts.insert().values(**values))

    async def bookable_account(
        self, *, team_id: str | None = None, account_id: str | None = None
    ) -> BookableAccount | None:
        condition = (
            bookable_accounts.c.team_id == team_id
            if team_id is not None
            else bookable_accounts.c.account_id == account_id
        )
        query = select(
            bookable_accounts.c.account_id,
            bookable_accounts.c.team_id,
            bookable_accounts.c.client_id,
            bookable_accounts.c.client_secret,
        ).where(condition)
        async with self._read() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        secret = self._open(row.client_secret, "the Bookable client secret")
        assert secret is not None
        return BookableAccount(row.account_id, row.team_id, row.client_id, secret)

    async def delete_bookable_account(self, team_id: str) -> bool:
        statement = delete(bookable_accounts).where(bookable_accounts.c.team_id == team_id)
        async with self._write(urgent=True) as connection:
            return (await connection.execute(statement)).rowcount > 0

    async def event_account(self, event_id: int) -> str | None:
        """The workspace account whose webhook delivered the event (None: the operator's)."""
        query = select(webhook_events.c.account_id).where(webhook_events.c.id == event_id)
        async with self._read() as connection:
            return (await connection.execute(query)).scalar()

    async def accounts_by_team(self) -> dict[str, str]:
        """Every workspace with its own Bookable account → that account."""
        query = select(bookable_accounts.c.team_id, bookable_accounts.c.account_id)
        async with self._read() as connection:
            return {row.team_id: row.account_id for row in await connection.execute(query)}
