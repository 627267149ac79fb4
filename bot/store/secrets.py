"""Secrets kept in the database (e.g. the Bookable webhook key), Fernet-encrypted when
BOT_ENCRYPTION_KEY is set."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import delete, select

from bot.store.core import StoreCore
from bot.store.engine import masked_url
from bot.store.errors import EncryptionKeyError
from bot.store.schema import secrets

KEY_SETTING = "BOT_ENCRYPTION_KEY"


def build_cipher(encryption_key: str | None) -> MultiFernet | None:
    """A comma-separated list of Fernet keys: the first encrypts, all decrypt (rotation)."""
    if not encryption_key or not encryption_key.strip():
        return None
    try:
        keys = [Fernet(key.strip()) for key in encryption_key.split(",") if key.strip()]
    except (ValueError, TypeError):
        # Fernet's own message is fine, but never chain: the key must not reach a log.
        raise EncryptionKeyError(
            f"{KEY_SETTING} is not a valid Fernet key (32 url-safe base64-encoded bytes)"
        ) from None
    return MultiFernet(keys)


class SecretsMixin(StoreCore):
    async def put_secret(self, name: str, value: str) -> None:
        encrypted = self._cipher is not None
        stored = self._cipher.encrypt(value.encode()).decode() if self._cipher else value
        row = {"name": name, "value": stored, "encrypted": encrypted, "updated_at": self._now()}
        insert = self._insert(secrets).values(**row)
        upsert = insert.on_conflict_do_update(
            index_elements=[secrets.c.name],
            set_={
                column: insert.excluded[column] for column in ("value", "encrypted", "updated_at")
            },
        )
        async with self._write() as connection:
            await connection.execute(upsert)

    async def get_secret(self, name: str) -> str | None:
        query = select(secrets.c.value, secrets.c.encrypted).where(secrets.c.name == name)
        async with self._read() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        stored: str = row.value
        if not row.encrypted:
            return stored
        if self._cipher is None:
            raise EncryptionKeyError(
                f"secret {name!r} is stored encrypted: set {KEY_SETTING} to the key it was"
                " stored with"
            )
        try:
            return self._cipher.decrypt(stored.encode()).decode()
        except InvalidToken:
            raise EncryptionKeyError(
                f"cannot decrypt secret {name!r}: {KEY_SETTING} is not the key it was stored"
                " with (or the stored value is corrupt)"
            ) from None

    async def delete_secret(self, name: str) -> None:
        async with self._write() as connection:
            await connection.execute(delete(secrets).where(secrets.c.name == name))

    def secret_location(self) -> str:
        """Where secrets live, for people: the database (password masked) and the table."""
        how = "encrypted" if self._cipher else f"plaintext; set {KEY_SETTING} to encrypt"
        return f"database {masked_url(self.engine)}, table {secrets.name} ({how})"
