"""Several serving processes share one rate per channel (issue 9, item 10).

Two notifiers with their own worker ids and their own Store (as two `serve` processes
would have) drain a burst into one channel on one Postgres database. The fake Slack
enforces the channel rate with its own token bucket: with a pacer per process the two
together send at twice the rate and Slack answers 429.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text

from bot.devtools.fake_slack import FakeSlack
from bot.notify.notifier import Notifier
from bot.store import Store

from .conftest import WebhookServer
from .support import at, booking_json, envelope, outbox_drained, postgres_database, seed_booking

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
async def db_url() -> AsyncIterator[str]:
    """Postgres only: SQLite serves a single process."""
    async with postgres_database() as url:
        yield url


@pytest.mark.parametrize("fake_options", [{"rate_per_channel": 4.0, "burst": 3}])
@pytest.mark.parametrize(
    "settings_overrides", [{"notifier_channel_rate": 4.0, "notifier_channel_burst": 3}]
)
async def test_two_processes_share_one_channel_rate(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    db_url: str,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
) -> None:
    busy = [await seed_booking(store, fake, f"29|CO|m{i}") for i in range(10)]
    body = envelope(*(booking_json(r.booking_id, "confirmed", at(1)) for r in busy))
    assert (await webhook_server().post(body)).status_code == 204

    other_store = await Store.connect(db_url)
    try:
        # Two jobs in flight each, so both processes take part in the burst.
        first = make_notifier(worker_id="first", concurrency=2)
        second = make_notifier(worker_id="second", concurrency=2, store=other_store)
        await first.start()
        await second.start()

        await outbox_drained(store)
        await first.stop()
        await second.stop()
    finally:
        await other_store.close()

    assert fake.rate_limited_count == 0
    assert all(len(fake.thread(r.channel_id, r.message_ts or "")) == 1 for r in busy)
    assert len(fake.calls_to("chat.postMessage")) == len(busy)
    async with store.engine.connect() as connection:
        jobs = (await connection.execute(text("SELECT state, leased_by FROM outbox"))).all()
        slots = (await connection.execute(text("SELECT channel_id FROM channel_pacing"))).all()
    assert {job.leased_by for job in jobs} == {"first", "second"}, jobs
    assert [row.channel_id for row in slots] == ["C_GENERAL"]
