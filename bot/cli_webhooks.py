"""`bookable-bot webhooks register|show|update|delete|test`: prints places, never secrets."""

from __future__ import annotations

import sys

from bot.bookable.client import BookableClient
from bot.bookable.errors import BookableError
from bot.config import Settings
from bot.service import webhook_admin
from bot.service.accounts import BookableAccounts
from bot.store import Store


async def run_webhook_command(
    settings: Settings, action: str, base_url: str | None, account: str | None = None
) -> int:
    key = settings.bot_encryption_key
    store = await Store.connect(
        settings.database_url, encryption_key=key.get_secret_value() if key else None
    )
    bookable = BookableClient.from_settings(
        settings, api_url=settings.api_base_url(), auth_url=settings.auth_url()
    )
    try:
        if action == "register" and base_url and account:
            found = await BookableAccounts(bookable, store).client_for_account(account)
            if found is None:
                print(f"webhooks register failed: no Bookable account {account}", file=sys.stderr)
                return 1
            where = await webhook_admin.register(found.client, store, base_url, account=account)
            print(f"Registered {webhook_admin.account_callback_url(base_url, account)}")
            print(f"The signing secret Bookable returned is stored in {where}.")
        elif action == "register" and base_url:
            where = await webhook_admin.register(bookable, store, base_url)
            print(f"Registered {webhook_admin.callback_url(base_url)}")
            print(f"The signing secret Bookable returned is stored in {where}.")
        elif action == "update" and base_url:
            print(f"Webhook now points at {await webhook_admin.update(bookable, store, base_url)}")
        elif action == "show":
            print((await webhook_admin.show(store, settings)).describe())
        elif action == "delete":
            await webhook_admin.delete(bookable, store)
            print("Webhook deleted at Bookable; the stored secret was removed.")
        elif action == "test":
            await webhook_admin.test(bookable)
            print("Bookable accepted the request and will send a test event.")
        else:
            print("usage: bookable-bot webhooks register|update <url> | show|delete|test")
            return 2
    except (BookableError, ValueError) as error:
        print(f"webhooks {action} failed: {error}", file=sys.stderr)
        return 1
    finally:
        await bookable.aclose()
        await store.close()
    return 0
