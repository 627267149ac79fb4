"""Counting what a Postgres store sends to the server (for bench/round_trips and tests)."""

from __future__ import annotations

import collections
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


def count_round_trips(engine: AsyncEngine) -> collections.Counter[str]:
    """A counter that, from now on, counts the engine's round trips on asyncpg:
    "statements" (SQLAlchemy's, sent as prepared statements), and by their first word the
    plain queries asyncpg's query logger sees (BEGIN, COMMIT, ROLLBACK; ";" is the pool's
    pre-ping). Only connections opened afterwards are counted: `dispose()` the engine."""
    counts: collections.Counter[str] = collections.Counter()

    def log_query(record: Any) -> None:
        words = record.query.split()
        counts[words[0].upper() if words else ""] += 1

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _on_execute(*args: Any) -> None:
        counts["statements"] += 1

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection._connection.add_query_logger(log_query)

    return counts
