"""Migrations build the schema on an empty database, are idempotent, match schema.py,
and tolerate several processes starting at once."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot.store import Store
from bot.store.migrate import alembic_config, current_revision, head_revision
from bot.store.schema import metadata, secrets
from tests.store.conftest import Database

CONNECT_SCRIPT = Path(__file__).with_name("connect_once.py")
TABLES = {"bookings", "submissions", "webhook_events", "outbox", "subscriptions", "secrets"}


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_new_database_is_migrated_to_head(store: Store) -> None:
    async with store.engine.connect() as connection:
        assert TABLES | {"alembic_version"} <= await connection.run_sync(_tables)
        assert await connection.run_sync(current_revision) == head_revision()


async def test_reconnecting_is_idempotent_and_keeps_data(database: Database) -> None:
    first = await database.open()
    await first.put_secret("webhook", "kept")
    await first.close()
    database.stores.remove(first)

    again = await database.open()
    assert await again.get_secret("webhook") == "kept"
    async with again.engine.connect() as connection:
        assert await connection.run_sync(current_revision) == head_revision()


async def test_migrations_match_schema_module(store: Store) -> None:
    def differences(connection: Connection) -> list[object]:
        return compare_metadata(MigrationContext.configure(connection), metadata)

    async with store.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_downgrade_to_base_and_back(store: Store) -> None:
    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "base")

    async with store.engine.begin() as connection:
        await connection.run_sync(downgrade)
        assert not TABLES & await connection.run_sync(_tables)
    async with store.engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
        assert await connection.run_sync(_tables) >= TABLES


async def test_sqlite_new_file_in_new_directory_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.db"
    store = await Store.connect(f"sqlite+aiosqlite:///{path}")
    try:
        assert path.exists()
        async with store.engine.connect() as connection:
            mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
        assert mode == "wal"
        assert timeout is not None and timeout >= 1000
    finally:
        await store.close()


async def test_sqlite_in_memory_database_works(tmp_path: Path) -> None:
    store = await Store.connect("sqlite+aiosqlite://")
    try:
        results = await asyncio.gather(
            *(store.begin_submission("same", team_id="T", user_id="U") for _ in range(10)),
            store.put_secret("name", "value"),
        )
        assert [r.state for r in results[:10]].count("new") == 1
        assert await store.get_secret("name") == "value"
    finally:
        await store.close()


async def test_stores_opening_together_in_one_process(tmp_path: Path) -> None:
    """Alembic's module-level state must not be shared by two migrations at once."""
    urls = [f"sqlite+aiosqlite:///{tmp_path / f'db{n}.db'}" for n in range(4)]
    stores = await asyncio.gather(*(Store.connect(url) for url in urls))
    for store in stores:
        async with store.engine.connect() as connection:
            assert await connection.run_sync(current_revision) == head_revision()
        await store.close()


async def test_processes_starting_together_migrate_once(database: Database) -> None:
    """Several processes open one brand-new database at the same moment (a rolling start);
    on Postgres only the advisory lock keeps their CREATE TABLEs from colliding."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(CONNECT_SCRIPT),
            database.url,
            json.dumps(database.connect_args),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(3)
    ]
    for process in processes:  # every process has imported everything
        assert process.stdout is not None
        assert await process.stdout.readline() == b"ready\n"
    outcomes = await asyncio.gather(*(process.communicate(b"go\n") for process in processes))
    for process, (out, err) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, err.decode()
        assert out == b"migrated\n"

    store = await database.open()
    async with store.engine.connect() as connection:
        versions = (await connection.execute(text("SELECT * FROM alembic_version"))).all()
        assert await connection.run_sync(_tables) >= TABLES
    assert [tuple(row) for row in versions] == [(head_revision(),)]


async def test_timestamps_come_back_timezone_aware_utc(store: Store) -> None:
    await store.put_secret("x", "y")
    async with store.engine.connect() as connection:
        stamp = (await connection.execute(secrets.select())).one().updated_at
    assert stamp.tzinfo is not None
    assert stamp.utcoffset() == dt.timedelta(0)
