"""Postgres round trips: what webhook ingest and the notifier's writes send to the server,
and that saving them keeps connections healthy (dropped idle connections are replaced)."""

from __future__ import annotations

import collections

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.devtools.round_trips import count_round_trips
from bot.store import IngestResult, Store
from bot.store import engine as store_engine
from tests.store.conftest import Database, postgres_url
from tests.store.factories import at, event


@pytest.fixture
async def pg_store(database: Database) -> Store:
    if database.dialect != "postgresql":
        pytest.skip("round trips are counted on Postgres (asyncpg)")
    return await database.open()


async def _counted(store: Store) -> collections.Counter[str]:
    counts = count_round_trips(store.engine)
    await store.engine.dispose()  # only connections opened from now on are counted
    await store.outbox_stats()  # open one (and warm its statement cache) outside the count
    counts.clear()
    return counts


async def test_ingest_is_one_round_trip(pg_store: Store) -> None:
    counts = await _counted(pg_store)

    stored = await pg_store.ingest_webhook([event("bk-1", "confirmed", at(1))])
    duplicate = await pg_store.ingest_webhook([event("bk-1", "confirmed", at(1))])

    assert (stored, duplicate) == (IngestResult(1, 0), IngestResult(0, 1))
    # One statement each (events, dedupe and outbox job together), no BEGIN/COMMIT, no
    # pre-ping of a connection that was in use a moment ago.
    assert counts == {"statements": 2}


async def test_notifier_writes_are_one_round_trip_each(pg_store: Store) -> None:
    await pg_store.ingest_webhook([event("bk-1", "confirmed", at(1))])
    [job] = await pg_store.claim_outbox("w1", limit=1, lease_seconds=30)
    counts = await _counted(pg_store)

    assert await pg_store.mark_outbox_progress(job.id, "w1", {"reply_ts": "1.1"})
    assert await pg_store.mark_outbox_progress(job.id, "w1", {"updated": True})
    assert await pg_store.complete_outbox(job.id, "w1", result={"done": True})

    assert counts == {"statements": 3}


async def test_progress_merges_and_needs_the_lease(pg_store: Store) -> None:
    await pg_store.ingest_webhook([event("bk-1", "confirmed", at(1))])
    [job] = await pg_store.claim_outbox("w1", limit=1, lease_seconds=30)

    assert await pg_store.mark_outbox_progress(job.id, "w1", {"a": "1", "b": 1})
    assert await pg_store.mark_outbox_progress(job.id, "w1", {"b": 2, "c": True})
    assert not await pg_store.mark_outbox_progress(job.id, "intruder", {"a": "x"})

    assert await pg_store.claim_outbox("w2", limit=1, lease_seconds=30) == []  # still w1's
    query = text("SELECT progress FROM outbox WHERE id = :id")
    async with pg_store.engine.connect() as connection:
        progress = (await connection.execute(query, {"id": job.id})).scalar_one()
    assert progress == {"a": "1", "b": 2, "c": True}


async def test_idle_connection_the_server_dropped_is_replaced(
    pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with pg_store.engine.connect() as pooled:
        pid = (await pooled.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    # While it waits in the pool, the server drops it (as after a restart).
    admin = await asyncpg.connect(
        make_url(postgres_url()).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    monkeypatch.setattr(store_engine, "PING_AFTER_IDLE_SECONDS", 0.0)  # it counts as idle

    # The pre-use ping finds it dead and the pool replaces it.
    for n in range(3):
        event_n = event(f"bk-{n}", "confirmed", at(n))
        assert await pg_store.ingest_webhook([event_n]) == IngestResult(1, 0)
