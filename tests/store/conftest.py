"""Store fixtures: every `store` test runs on SQLite (a tmp file) and, when
TEST_DATABASE_URL is set, on Postgres in a schema of its own."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store import Store

PG_SKIP = "TEST_DATABASE_URL not set: Postgres tests need a server"


@dataclass
class FakeClock:
    """A clock tests move by hand, so lease expiry needs no sleeping."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@dataclass
class Database:
    """One empty database; `open()` connects a Store to it (as many as a test wants)."""

    url: str
    connect_args: dict[str, Any]
    clock: FakeClock
    stores: list[Store] = field(default_factory=list)

    @property
    def dialect(self) -> str:
        return "postgresql" if self.url.startswith("postgresql") else "sqlite"

    async def open(self, **options: Any) -> Store:
        options.setdefault("clock", self.clock)
        store = await Store.connect(self.url, connect_args=self.connect_args, **options)
        self.stores.append(store)
        return store


def postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP)
    return url


@contextlib.asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A fresh Postgres schema, dropped afterwards, so runs never see each other's rows."""
    admin = create_async_engine(postgres_url())
    schema = f"store_test_{uuid.uuid4().hex[:12]}"
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with contextlib.AsyncExitStack() as stack:
        if request.param == "sqlite":
            db = Database(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}", {}, FakeClock())
        else:
            schema = await stack.enter_async_context(postgres_schema())
            connect_args = {"server_settings": {"search_path": schema}}
            db = Database(postgres_url(), connect_args, FakeClock())
        try:
            yield db
        finally:
            for store in db.stores:
                await store.close()


@pytest.fixture
async def store(database: Database) -> Store:
    return await database.open()


@pytest.fixture
def clock(database: Database) -> FakeClock:
    return database.clock
