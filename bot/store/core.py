"""What every part of the store shares: the engine, transactions, the clock."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from cryptography.fernet import MultiFernet
from sqlalchemy import Column, ColumnElement, Row, Table, select, update
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
        # Postgres reads and single-statement writes run without BEGIN and COMMIT (or
        # ROLLBACK), two round trips fewer: at READ COMMITTED every statement takes its
        # own snapshot anyway, and one statement is atomic on its own.
        self._autocommit_engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.dialect == "postgresql"
            else None
        )
        self._write_gate: WriteGate | None = WriteGate() if is_sqlite else None
        self._read_gate = self._write_gate if is_sqlite_memory(engine.url) else None

    def _now(self) -> dt.datetime:
        return to_utc(self._clock())

    @contextlib.asynccontextmanager
    async def _write(self, *, urgent: bool = False) -> AsyncIterator[AsyncConnection]:
        """One write transaction (committed on success, rolled back on error). `urgent`
        writers (a request waiting for its answer) go ahead of background work on SQLite."""
        gate = self._write_gate.enter(urgent=urgent) if self._write_gate else None
        async with _held(gate), self._write_engine.begin() as connection:
            yield connection

    @contextlib.asynccontextmanager
    async def _write_statement(self, *, urgent: bool = False) -> AsyncIterator[AsyncConnection]:
        """For a write of exactly ONE statement: atomic by itself on Postgres, so it runs
        without a transaction around it; on SQLite the same as `_write`."""
        if self._autocommit_engine is None:
            async with self._write(urgent=urgent) as connection:
                yield connection
            return
        async with self._autocommit_engine.connect() as connection:
            yield connection

    @contextlib.asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        gate = self._read_gate.enter(urgent=False) if self._read_gate else None
        async with _held(gate), (self._autocommit_engine or self.engine).connect() as connection:
            yield connection

    async def _claim(
        self,
        key: Column[Any],
        claimable: ColumnElement[bool],
        *,
        order_by: Sequence[ColumnElement[Any]],
        limit: int,
        values: dict[str, Any],
        returning: Sequence[ColumnElement[Any]],
    ) -> Sequence[Row[Any]]:
        """Lease up to `limit` rows of `key`'s table that are `claimable`, setting `values`.

        One transaction: the candidates are read and locked with SKIP LOCKED on Postgres
        (SQLite has one writer), then updated by `key` with `claimable` checked again, so
        each is claimed once. (A locking subquery inside the UPDATE may be rescanned by the
        planner and lock rows it does not return, hiding them from other workers.)"""
        table = key.table
        candidates = (
            select(key).where(claimable).order_by(*order_by).limit(limit)
            .with_for_update(skip_locked=True)
        )  # fmt: skip
        async with self._write() as connection:
            ids = (await connection.execute(candidates)).scalars().all()
            if not ids:
                return []
            statement = (
                update(table).where(key.in_(ids), claimable).values(**values)
                .returning(*returning)
            )  # fmt: skip
            return (await connection.execute(statement)).all()

    def _insert(self, table: Table) -> Any:
        """The dialect's INSERT, which knows ON CONFLICT (same API on both)."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


def _held(
    lock: contextlib.AbstractAsyncContextManager[Any] | None,
) -> contextlib.AbstractAsyncContextManager[Any]:
    return lock if lock is not None else contextlib.nullcontext()


class WriteGate:
    """SQLite's single writer, handed over in arrival order, except that urgent writers
    (webhook ingest, which Bookable waits on) go before background writers (the notifier),
    whose work can lag a little: that is what the outbox is for."""

    def __init__(self) -> None:
        self._busy = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._background: deque[asyncio.Future[None]] = deque()

    @contextlib.asynccontextmanager
    async def enter(self, *, urgent: bool) -> AsyncIterator[None]:
        await self._acquire(self._urgent if urgent else self._background)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, queue: deque[asyncio.Future[None]]) -> None:
        if not self._busy:
            self._busy = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # handed over just as we were cancelled: pass it on
            else:
                queue.remove(turn)
            raise

    def _release(self) -> None:
        for queue in (self._urgent, self._background):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # still busy: the gate passes to this writer
                    return
        self._busy = False
