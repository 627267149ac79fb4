"""Store errors. Messages name settings and secrets, never their values."""

from __future__ import annotations


class StoreError(Exception):
    """Base class for problems the store reports in plain words."""


class EncryptionKeyError(StoreError):
    """BOT_ENCRYPTION_KEY is malformed, missing or not the key a secret was stored with."""
