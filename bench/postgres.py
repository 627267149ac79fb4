"""A scratch Postgres database for the webhook-ingest scenario, dropped afterwards.

The URL comes from BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local default when
it answers. The bench creates its own database on that server so it never touches tables
other people's tests use.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator

import asyncpg
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def configured_url() -> str:
    return (
        os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL
    )


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def available(url: str) -> bool:
    try:
        connection = await asyncpg.connect(_dsn(url), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True


@contextlib.asynccontextmanager
async def scratch_database(url: str) -> AsyncIterator[str]:
    """Yield an SQLAlchemy URL of a new, empty database on the server at `url`."""
    name = f"bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(_dsn(url), timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(_dsn(url), timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
