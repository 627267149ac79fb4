"""Timezone-aware UTC timestamps on every dialect, and sortable text keys for them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

UTC = dt.UTC


def to_utc(value: dt.datetime) -> dt.datetime:
    """Aware UTC; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def time_key(value: dt.datetime | None) -> str:
    """Fixed-width ISO text that sorts like the instants it encodes; '' (first) for None.

    Used in unique keys (NULLs never collide in a unique index) and for ordering with
    "no timestamp" first on every dialect.
    """
    if value is None:
        return ""
    return to_utc(value).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """`timestamptz` on Postgres; on SQLite (no time zones) UTC text, re-tagged on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else to_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else to_utc(value)
