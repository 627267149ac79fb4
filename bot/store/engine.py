"""Engine creation with the per-dialect settings the store relies on."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, AdaptedConnection, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

# Execution option read by the "begin" hook: which SQLite BEGIN to emit.
SQLITE_BEGIN = "bookable_sqlite_begin"
SQLITE_BUSY_TIMEOUT_MS = 15_000
_BEGIN_MODES = {"DEFERRED", "IMMEDIATE"}
# Postgres pool: room for the notifier's jobs and concurrent webhooks without opening and
# closing overflow connections under load (each new asyncpg connection costs several
# round trips of set-up). Per process: `serve --workers N` holds N pools.
POOL_SIZE = 20
MAX_OVERFLOW = 10
# A connection idle longer than this is pinged before use (a restarted server or a
# firewall may have dropped it); one back from use a moment ago is not.
PING_AFTER_IDLE_SECONDS = 5.0
_RETURNED_AT = "bookable_returned_at"


def is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def create_store_engine(url: str, connect_args: Mapping[str, Any] | None = None) -> AsyncEngine:
    parsed = make_url(url)
    # Exceptions carry SQL parameters by default; those may be secrets.
    options: dict[str, Any] = {"hide_parameters": True, "connect_args": dict(connect_args or {})}
    if parsed.get_backend_name() != "sqlite":
        engine = create_async_engine(
            parsed, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW, **options
        )
        _ping_when_idle(engine)
        return engine
    # Every transaction ends in COMMIT or ROLLBACK before the connection goes back, so
    # the pool's extra rollback would only cost another round trip to the driver thread.
    options["pool_reset_on_return"] = None
    # aiosqlite logs every statement with its parameters at DEBUG, secrets included.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    if is_sqlite_memory(parsed):
        options["poolclass"] = StaticPool  # one connection, or every session sees its own DB
    elif parsed.database:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(parsed, **options)
    _tune_sqlite(engine, wal=not is_sqlite_memory(parsed))
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """`pool_pre_ping` for idle connections only. SQLAlchemy's pre-ping costs three round
    trips on asyncpg (BEGIN, ";", ROLLBACK) at every checkout, more than a whole webhook
    ingest. A connection that dies while in use is still caught: SQLAlchemy then discards
    the pool's older connections, and the caller's error is the usual one (503 for
    webhooks, a retry for the notifier)."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return  # brand new, or in use a moment ago
        try:
            dbapi_connection.ping()
        except Exception as error:
            # The pool replaces the connection and tries again.
            raise exc.DisconnectionError("idle connection is gone") from error


def _tune_sqlite(engine: AsyncEngine, *, wal: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy (not the driver) decide when transactions begin, so that
        # writes can use BEGIN IMMEDIATE and never fail on a read→write lock upgrade.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            # Readers never block the writer; the webhook endpoint and the notifier
            # write concurrently. NORMAL sync is safe with WAL (no corruption).
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        if mode not in _BEGIN_MODES:
            raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
        # One trip to aiosqlite's thread instead of three (cursor, execute, close):
        # each trip costs more than the statement itself.
        adapted = connection.connection.dbapi_connection
        assert isinstance(adapted, AdaptedConnection)
        adapted.run_async(lambda driver: driver.execute(f"BEGIN {mode}"))


def masked_url(engine: AsyncEngine) -> str:
    """The URL with its password hidden and a SQLite path made absolute."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and not is_sqlite_memory(url) and url.database:
        url = url.set(database=str(Path(url.database).expanduser().resolve()))
    return url.render_as_string(hide_password=True)
