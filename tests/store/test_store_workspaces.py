"""Installations (tokens encrypted), one-use OAuth states, orgs of workspaces, Bookable
accounts, and retiring an uninstalled workspace: on SQLite and Postgres."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.store import EncryptionKeyError, Store
from bot.store.schema import bookable_accounts, slack_installations
from bot.store.workspaces import InstallationRow

from .conftest import Database
from .factories import booking, event

KEY = Fernet.generate_key().decode()


@pytest.fixture
async def keyed(database: Database) -> Store:
    return await database.open(encryption_key=KEY)


async def test_installations_round_trip_encrypted_per_workspace_and_org(keyed: Store) -> None:
    team = InstallationRow(None, "T1", False, "xoxb-secret-1", installer_user_id="U1")
    org = InstallationRow("E1", None, True, "xoxb-org", bot_refresh_token="xoxe-refresh")
    await keyed.save_installation(team)
    await keyed.save_installation(org)
    await keyed.save_installation(InstallationRow(None, "T1", False, "xoxb-secret-2"))

    found = await keyed.find_installation_row(None, "T1")
    assert found is not None and found.bot_token == "xoxb-secret-2"
    org_found = await keyed.find_installation_row("E1", None)
    assert org_found is not None and org_found.bot_refresh_token == "xoxe-refresh"
    assert await keyed.find_installation_row("E1", "T1") is None  # not that org's own row
    async with keyed.engine.connect() as connection:
        stored = " ".join((await connection.execute(
            select(slack_installations.c.bot_token, slack_installations.c.bot_refresh_token)
        )).scalars().all() or [])  # fmt: skip
    assert "xoxb-" not in stored and "xoxe-" not in stored

    assert await keyed.delete_installation_row(None, "T1")
    assert await keyed.find_installation_row(None, "T1") is None


async def test_tokens_are_never_stored_without_a_key(store: Store) -> None:
    with pytest.raises(EncryptionKeyError):
        await store.save_installation(InstallationRow(None, "T1", False, "xoxb-x"))


async def test_an_oauth_state_is_accepted_once_and_not_after_it_expires(
    keyed: Store, database: Database
) -> None:
    await keyed.issue_oauth_state("s1", ttl=dt.timedelta(minutes=10))
    await keyed.issue_oauth_state("s2", ttl=dt.timedelta(minutes=10))
    assert await keyed.consume_oauth_state("s1")
    assert not await keyed.consume_oauth_state("s1")  # replayed
    assert not await keyed.consume_oauth_state("forged")
    database.clock.advance(601)
    assert not await keyed.consume_oauth_state("s2")  # expired


async def test_orgs_of_workspaces(keyed: Store) -> None:
    await keyed.remember_team("T1", "E1")
    await keyed.remember_team("T2", "E1")
    await keyed.remember_team("T2", "E1")
    assert await keyed.enterprise_of("T1") == "E1"
    assert await keyed.enterprise_of("T9") is None
    assert sorted(await keyed.teams_of_enterprise("E1")) == ["T1", "T2"]


@pytest.mark.parametrize("purge", [False, True])
async def test_retiring_a_workspace_kills_its_jobs_and_keeps_or_purges(
    keyed: Store, purge: bool
) -> None:
    await keyed.save_booking(booking("bk-a", team_id="T_A"))
    await keyed.save_booking(booking("bk-b", team_id="T_B"))
    await keyed.ingest_webhook([event("bk-a"), event("bk-b")])
    await keyed.add_subscription("T_B", "C1", created_by="U1")
    await keyed.put_bookable_account("acct-b", "T_B", "cid", "csecret", created_by="U1")

    assert await keyed.retire_workspaces(["T_B"], "workspace T_B: gone", purge=purge) == 1

    [dead] = await keyed.list_dead_outbox()
    assert dead.booking_id == "bk-b" and dead.reason == "workspace T_B: gone"
    assert (await keyed.outbox_stats())["pending"] == 1  # T_A's job untouched
    assert await keyed.get_booking("bk-a") is not None
    assert (await keyed.get_booking("bk-b") is None) is purge
    assert (await keyed.list_subscriptions("T_B") == []) is purge
    assert (await keyed.bookable_account(team_id="T_B") is None) is purge


async def test_bookable_accounts_keep_the_secret_encrypted(keyed: Store) -> None:
    await keyed.put_bookable_account("acct-1", "T1", "client-1", "secret-1", created_by="U1")
    await keyed.put_bookable_account("acct-2", "T1", "client-2", "secret-2", created_by="U1")
    account = await keyed.bookable_account(team_id="T1")
    assert account is not None and (account.account_id, account.client_secret) == (
        "acct-2", "secret-2",
    )  # fmt: skip
    assert await keyed.bookable_account(account_id="acct-1") is None  # replaced
    async with keyed.engine.connect() as connection:
        stored = (await connection.execute(select(bookable_accounts.c.client_secret))).scalar()
    assert stored and "secret-2" not in stored
