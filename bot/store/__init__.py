"""Persistence: SQLAlchemy 2 async on SQLite or Postgres, migrated with Alembic."""

from bot.store.errors import EncryptionKeyError, StoreError
from bot.store.records import (
    BookingChange,
    BookingDetails,
    BookingRecord,
    DeadLetter,
    IncomingEvent,
    IngestResult,
    OutboxJob,
    Plan,
    PlanOption,
    Reminder,
    Submission,
    Subscription,
)
from bot.store.store import Store

__all__ = [
    "BookingChange",
    "BookingDetails",
    "BookingRecord",
    "DeadLetter",
    "EncryptionKeyError",
    "IncomingEvent",
    "IngestResult",
    "OutboxJob",
    "Plan",
    "PlanOption",
    "Reminder",
    "Store",
    "StoreError",
    "Submission",
    "Subscription",
]
