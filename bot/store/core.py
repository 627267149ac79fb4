"""What every part of the store shares: the engine, transactions, the clock."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

from cryptography.fernet import MultiFernet
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.engine import SQLITE_BEGIN, is_sqlite_memory
from bot.store.timeutil import UTC, to_utc

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(UTC)


class StoreCore:
    def __init__(
        self, engine: AsyncEngine, *, cipher: MultiFernet | None, clock: Clock = utc_now
    ) -> None:
        self.engine = engine
        self.dialect: str = engine.dialect.name
        self._cipher = cipher
        self._clock = clock
        is_sqlite = self.dialect == "sqlite"
        # BEGIN IMMEDIATE takes SQLite's write lock up front, so a transaction never
        # fails half-way trying to upgrade a read lock ("database is locked").
        self._write_engine = (
            engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}) if is_sqlite else engine
        )
        # SQLite has one writer at a time: queue this process's writers on an asyncio
        # lock rather than letting them spin on busy_timeout in driver threads (other
        # processes still wait on busy_timeout). An in-memory database has a single
        # connection, so there even reads must queue.
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if is_sqlite else None
        self._read_lock = self._write_lock if is_sqlite_memory(engine.url) else None

    def _now(self) -> dt.datetime:
        return to_utc(self._clock())

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction (committed on success, rolled back on error)."""
        async with _held(self._write_lock), self._write_engine.begin() as connection:
            yield connection

    @contextlib.asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        async with _held(self._read_lock), self.engine.connect() as connection:
            yield connection

    def _insert(self, table: Table) -> Any:
        """The dialect's INSERT, which knows ON CONFLICT (same API on both)."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


def _held(lock: asyncio.Lock | None) -> contextlib.AbstractAsyncContextManager[Any]:
    return lock if lock is not None else contextlib.nullcontext()
