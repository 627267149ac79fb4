"""Alembic migrations shipped inside the package, run programmatically (no alembic.ini).

Developers add a revision with `python -m bot.store.migrations revision "what changed"`:
it migrates a scratch SQLite database to head and autogenerates the difference between
that and `bot/store/schema.py`. Review (and `ruff format`) the file before committing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import tempfile
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Postgres advisory lock id serialising migrations across processes (any fixed int64).
MIGRATION_LOCK_ID = 0x426F6F6B61626C65  # "Bookable"
# Alembic keeps the running migration in module globals (`alembic.op`, `alembic.context`),
# so at most one migration may run per process, whatever the thread or event loop.
_migrating = threading.Lock()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    # ConfigParser interpolation: a literal % in the path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade_to_head(connection: Connection) -> None:
    """Migrate inside the caller's transaction (DDL is transactional on both dialects).

    On Postgres the transaction-scoped advisory lock makes processes that start together
    migrate one after the other; the later ones then find the schema at head.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    command.upgrade(alembic_config(connection), "head")


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@functools.cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def migrate_to_head(engine: AsyncEngine) -> None:
    """Bring the database to the latest schema; a no-op (one query) when it is there."""
    async with engine.connect() as connection:
        if await connection.run_sync(current_revision) == head_revision():
            return
    async with _one_migration_per_process(), engine.begin() as connection:
        await connection.run_sync(upgrade_to_head)


@contextlib.asynccontextmanager
async def _one_migration_per_process() -> AsyncIterator[None]:
    # Poll rather than block: a blocking acquire would stall this thread's event loop,
    # which may be the very loop running the migration that holds the lock.
    while not _migrating.acquire(blocking=False):  # noqa: ASYNC110 (a thread lock)
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        _migrating.release()


def make_revision(message: str) -> None:
    """Autogenerate the next numbered revision against a scratch database at head."""
    head = head_revision()
    next_id = f"{int(head or 0) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        with engine.begin() as connection:
            upgrade_to_head(connection)
            command.revision(
                alembic_config(connection), message=message, autogenerate=True, rev_id=next_id
            )
        engine.dispose()
