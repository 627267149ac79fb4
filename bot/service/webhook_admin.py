"""What `bookable-bot webhooks register|show|update|delete|test` does.

Bookable returns the signing secret once, at registration; it goes straight into the
store (encrypted when BOT_ENCRYPTION_KEY is set) and is never printed or logged. These
functions return where things are, never the key. BOOKABLE_WEBHOOK_SECRET, when set,
overrides the stored secret (see `bot.service.webhooks`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.bookable.errors import ResponseFormatError

if TYPE_CHECKING:
    from bot.bookable.client import BookableClient
    from bot.config import Settings
    from bot.store import Store

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/bookable"
SECRET_NAME = "bookable_webhook_secret"
# Bookable has no "get webhook" call, so we remember where we pointed it ourselves.
CALLBACK_URL_NAME = "bookable_webhook_callback_url"
ENV_SECRET_SOURCE = "environment variable BOOKABLE_WEBHOOK_SECRET"


def secret_name(account: str | None = None) -> str:
    """Where a webhook's signing secret is stored: the operator's, or a workspace account's."""
    return f"{SECRET_NAME}:{account}" if account else SECRET_NAME


def account_callback_url(public_base_url: str, account: str | None) -> str:
    """A workspace account's webhook: `<base>/webhooks/bookable/<account>`."""
    return callback_url(public_base_url) + (f"/{account}" if account else "")


def callback_url(public_base_url: str) -> str:
    """`https://bot.example.com/` → `https://bot.example.com/webhooks/bookable`."""
    base = public_base_url.strip().rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise ValueError("the public base URL must start with https:// (or http:// locally)")
    if base.endswith(WEBHOOK_PATH):
        return base
    return base + WEBHOOK_PATH


async def register(
    bookable: BookableClient, store: Store, public_base_url: str, *, account: str | None = None
) -> str:
    """Register `<base>/webhooks/bookable` (with `account`, that workspace account's own
    path, called with its client), store the returned secret, return its location."""
    url = account_callback_url(public_base_url, account)
    result = await bookable.register_webhook(url)
    secret = result.data.secret_key
    if not secret:
        raise ResponseFormatError(
            "Bookable registered the webhook but returned no secretKey",
            correlation_id=result.correlation_id,
        )
    await store.put_secret(secret_name(account), secret)
    if account is None:
        await store.put_secret(CALLBACK_URL_NAME, result.data.callback_url or url)
    location = store.secret_location()
    log.info("Bookable webhook registered for %s; secret stored in %s", url, location)
    return location


@dataclass(frozen=True)
class WebhookInfo:
    callback_url: str | None  # as we last registered it; None if unknown
    secret_source: str | None  # where the signing secret comes from; None if nowhere

    def describe(self) -> str:
        lines = [
            f"Callback URL: {self.callback_url or 'unknown (not registered from this install)'}",
            f"Signing secret: {self.secret_source or 'not configured'}",
        ]
        return "\n".join(lines)


async def show(store: Store, settings: Settings) -> WebhookInfo:
    """Where the webhook points and where its secret comes from (never the secret)."""
    url = await store.get_secret(CALLBACK_URL_NAME)
    if settings.bookable_webhook_secret is not None:
        source: str | None = ENV_SECRET_SOURCE + " (overrides any stored secret)"
    elif await store.get_secret(SECRET_NAME):
        source = store.secret_location()
    else:
        source = None
    return WebhookInfo(callback_url=url, secret_source=source)


async def update(bookable: BookableClient, store: Store, public_base_url: str) -> str:
    """Point the existing registration at a new base URL; the secret stays the same."""
    url = callback_url(public_base_url)
    result = await bookable.update_webhook(url)
    stored = result.data.callback_url or url
    await store.put_secret(CALLBACK_URL_NAME, stored)
    log.info("Bookable webhook now points at %s", stored)
    return stored


async def delete(bookable: BookableClient, store: Store) -> None:
    """Remove the registration at Bookable, then the stored secret and URL."""
    await bookable.delete_webhook()
    await store.delete_secret(SECRET_NAME)
    await store.delete_secret(CALLBACK_URL_NAME)
    log.info("Bookable webhook deleted and its stored secret removed")


async def test(bookable: BookableClient) -> None:
    """Ask Bookable to send a sample event to the registered callback."""
    await bookable.test_webhook()
