"""One token per credential per process, whichever client asks; a workspace's own account
is validated by a token before it is stored (`BookableAccounts.connect`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.bookable.client import BookableClient
from bot.service.accounts import BookableAccounts
from bot.store import Store

from .support import Sandbox, make_settings

PARTNER, PARTNER_SECRET = "partner-one", "partner-one-secret"


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[BookableClient]:
    sandbox.control("POST", "clients", {"client_id": PARTNER, "client_secret": PARTNER_SECRET})
    made = BookableClient.from_settings(
        make_settings(), api_url=sandbox.url, auth_url=sandbox.auth_url
    )
    yield made
    await made.aclose()


async def test_clients_of_one_credential_share_one_token_and_one_flight(
    client: BookableClient, sandbox: Sandbox
) -> None:
    first = client.with_credentials(PARTNER, SecretStr(PARTNER_SECRET))
    second = client.with_credentials(PARTNER, SecretStr(PARTNER_SECRET))
    assert first.tokens is second.tokens and first.tokens is not client.tokens
    tokens = await asyncio.gather(
        *(c.tokens.token() for c in (first, second, client) for _ in range(20))
    )
    assert len(set(tokens)) == 2  # one per credential
    by_client = sandbox.state()["token_requests_by_client"]
    assert by_client[PARTNER] == 1 and sum(by_client.values()) == 2
    other = client.with_credentials(PARTNER, SecretStr("changed-secret"))
    assert other.tokens is not first.tokens  # a changed secret is another credential


async def _store(tmp_path: Path, key: str | None) -> Store:
    return await Store.connect(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", encryption_key=key)


async def test_connect_validates_with_a_token_and_needs_a_key_to_store(
    client: BookableClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    unkeyed = await _store(tmp_path, None)
    try:
        accounts = BookableAccounts(client, unkeyed)
        refused = await accounts.connect("T1", "U1", PARTNER, "wrong")
        assert refused.problem and "did not accept" in refused.problem
        no_key = await accounts.connect("T1", "U1", PARTNER, PARTNER_SECRET)
        assert no_key.problem and "BOT_ENCRYPTION_KEY" in no_key.problem
        assert PARTNER_SECRET not in no_key.problem
    finally:
        await unkeyed.close()

    keyed = await _store(tmp_path / "keyed", Fernet.generate_key().decode())
    try:
        accounts = BookableAccounts(client, keyed)
        done = await accounts.connect("T1", "U1", f"  {PARTNER} ", PARTNER_SECRET)
        assert done.account_id is not None and await accounts.has_own("T1")
        found = await accounts.client_for("T1")
        assert found is not None and found.account_id == done.account_id
        assert await accounts.client_for("T2") is None
    finally:
        await keyed.close()
