"""`Store`: the app's persistence (see docs/architecture.md, "Store")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.store.bookings import BookingsMixin
from bot.store.changes import ChangesMixin
from bot.store.core import Clock, utc_now
from bot.store.engine import create_store_engine
from bot.store.home import HomeMixin
from bot.store.migrate import migrate_to_head
from bot.store.outbox import OutboxMixin
from bot.store.pacing import PacingMixin
from bot.store.plans import PlansMixin
from bot.store.reminders import RemindersMixin
from bot.store.secrets import SecretsMixin, build_cipher
from bot.store.submissions import SubmissionsMixin
from bot.store.subscriptions import SubscriptionsMixin
from bot.store.webhooks import WebhooksMixin
from bot.store.workspaces import WorkspacesMixin


class Store(
    SubmissionsMixin,
    ChangesMixin,
    BookingsMixin,
    WebhooksMixin,
    OutboxMixin,
    PacingMixin,
    RemindersMixin,
    PlansMixin,
    SubscriptionsMixin,
    HomeMixin,
    SecretsMixin,
    WorkspacesMixin,
):
    """SQLite (`sqlite+aiosqlite:///file.db`) or Postgres (`postgresql+asyncpg://…`).

    `store.engine` is the AsyncEngine, `store.dialect` "sqlite" or "postgresql".
    """

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        encryption_key: str | None = None,
        connect_args: Mapping[str, Any] | None = None,
        clock: Clock = utc_now,
    ) -> Store:
        """Open the database and migrate it to the latest schema.

        `connect_args` go to the driver (e.g. asyncpg `server_settings`); `clock`
        returns the current time (tests move it instead of sleeping).
        """
        cipher = build_cipher(encryption_key)  # a bad key fails before any I/O
        engine = create_store_engine(url, connect_args)
        store = cls(engine, cipher=cipher, clock=clock)
        try:
            # BEGIN IMMEDIATE on SQLite, so processes starting together take turns.
            await migrate_to_head(store._write_engine)
        except BaseException:
            await engine.dispose()
            raise
        return store

    async def close(self) -> None:
        await self.engine.dispose()
