"""Secrets: Fernet-encrypted at rest with a key, clear errors without the right one."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.store import EncryptionKeyError, Store
from bot.store.engine import create_store_engine, masked_url
from bot.store.schema import secrets
from tests.store.conftest import Database

VALUE = "123e4567-e89b-12d3-a456-426655440000"


async def _raw(store: Store, name: str) -> tuple[str, bool]:
    async with store.engine.connect() as connection:
        row = (
            await connection.execute(
                select(secrets.c.value, secrets.c.encrypted).where(secrets.c.name == name)
            )
        ).one()
    return row.value, row.encrypted


async def test_encrypted_at_rest_and_round_trip(database: Database) -> None:
    key = Fernet.generate_key().decode()
    store = await database.open(encryption_key=key)
    await store.put_secret("bookable_webhook_secret", VALUE)
    stored, encrypted = await _raw(store, "bookable_webhook_secret")
    assert encrypted
    assert VALUE not in stored
    assert Fernet(key).decrypt(stored.encode()).decode() == VALUE
    assert await store.get_secret("bookable_webhook_secret") == VALUE


async def test_plaintext_without_a_key(store: Store) -> None:
    await store.put_secret("name", VALUE)
    assert await _raw(store, "name") == (VALUE, False)
    assert await store.get_secret("name") == VALUE
    assert await store.get_secret("missing") is None


async def test_put_overwrites_and_delete_removes(store: Store) -> None:
    await store.put_secret("name", "first")
    await store.put_secret("name", "second")
    assert await store.get_secret("name") == "second"
    await store.delete_secret("name")
    assert await store.get_secret("name") is None
    await store.delete_secret("name")  # deleting nothing is fine


async def test_wrong_key_is_a_clear_error(database: Database) -> None:
    writer = await database.open(encryption_key=Fernet.generate_key().decode())
    await writer.put_secret("webhook", VALUE)
    wrong_key = Fernet.generate_key().decode()
    reader = await database.open(encryption_key=wrong_key)
    with pytest.raises(EncryptionKeyError) as error:
        await reader.get_secret("webhook")
    message = str(error.value)
    assert "BOT_ENCRYPTION_KEY" in message
    assert VALUE not in message and wrong_key not in message
    assert error.value.__cause__ is None and error.value.__suppress_context__


async def test_encrypted_secret_without_any_key(database: Database) -> None:
    writer = await database.open(encryption_key=Fernet.generate_key().decode())
    await writer.put_secret("webhook", VALUE)
    reader = await database.open()
    with pytest.raises(EncryptionKeyError, match="BOT_ENCRYPTION_KEY"):
        await reader.get_secret("webhook")


async def test_key_rotation_with_a_key_list(database: Database) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    await (await database.open(encryption_key=old)).put_secret("webhook", VALUE)
    rotated = await database.open(encryption_key=f"{new},{old}")
    assert await rotated.get_secret("webhook") == VALUE
    await rotated.put_secret("webhook", VALUE)  # re-encrypted with the new key
    assert await (await database.open(encryption_key=new)).get_secret("webhook") == VALUE


async def test_malformed_key_fails_at_connect(tmp_path: Path) -> None:
    bad_key = "not-a-fernet-key-but-still-secret"
    with pytest.raises(EncryptionKeyError) as error:
        await Store.connect(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", encryption_key=bad_key)
    assert "BOT_ENCRYPTION_KEY" in str(error.value)
    assert bad_key not in str(error.value)
    assert not (tmp_path / "x.db").exists()  # failed before touching the database


async def test_secret_location_sqlite(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    store = await Store.connect(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", encryption_key=key)
    try:
        location = store.secret_location()
    finally:
        await store.close()
    assert location == (
        f"database sqlite+aiosqlite:///{tmp_path / 'bot.db'}, table secrets (encrypted)"
    )


async def test_secret_location_masks_the_database_password() -> None:
    engine = create_store_engine("postgresql+asyncpg://bot:hunter2-s3cret@db.internal:5432/bot")
    try:
        shown = masked_url(engine)
    finally:
        await engine.dispose()
    assert "hunter2-s3cret" not in shown
    assert shown == "postgresql+asyncpg://bot:***@db.internal:5432/bot"


async def test_secret_location_without_a_key(store: Store) -> None:
    location = store.secret_location()
    assert location.startswith(f"database {store.dialect}+")
    assert location.endswith("table secrets (plaintext; set BOT_ENCRYPTION_KEY to encrypt)")
