"""Database round trips per ingested webhook and per notifier job, on Postgres.

    TEST_DATABASE_URL=postgresql+asyncpg://… python -m bench.round_trips

Counts (`bot.devtools.round_trips`) every statement, BEGIN, COMMIT, ROLLBACK and pre-ping
while the store ingests single-booking webhooks like the ingest scenario's, then while a
`Notifier` works them off (bookings made elsewhere, no subscriptions: the bench path).
Uses a scratch database on that server (`bench.postgres`), dropped afterwards.
"""

from __future__ import annotations

import asyncio
import sys
import uuid

from bench import postgres
from bench.webhooks import VENUES, webhook_body
from bot.config import Settings
from bot.devtools.round_trips import count_round_trips
from bot.notify.notifier import Notifier
from bot.service.webhooks import parse_events
from bot.store import Store

EVENTS = 200


async def measure(url: str) -> dict[str, dict[str, float]]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bookable_env="local",
        slack_bot_token="xoxb-round-trips",
        slack_signing_secret="round-trips",
        database_url=url,
    )
    store = await Store.connect(url)
    counts = count_round_trips(store.engine)
    await store.engine.dispose()  # new connections carry the logger
    try:
        bodies = [
            webhook_body(f"rt-{uuid.uuid4().hex}", "confirmed", venue=VENUES[i % len(VENUES)])
            for i in range(EVENTS)
        ]
        for body in bodies:
            await store.ingest_webhook(parse_events(body))
        ingest = {name: count / EVENTS for name, count in counts.items()}
        counts.clear()
        notifier = Notifier(store, settings, concurrency=16)
        done = 0
        while done < EVENTS:
            claimed = await notifier.run_once()
            if not claimed:
                break
            done += claimed
        await notifier.stop()
        jobs = {name: count / max(done, 1) for name, count in counts.items()}
    finally:
        await store.close()
    return {"per ingested event": ingest, "per notifier job": jobs}


async def main() -> None:
    async with postgres.scratch_database(postgres.configured_url()) as url:
        results = await measure(url)
    for label, counts in results.items():
        total = sum(counts.values())
        detail = ", ".join(f"{name} {count:.2f}" for name, count in sorted(counts.items()))
        print(f"{label}: {total:.2f} round trips ({detail})")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
