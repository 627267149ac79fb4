"""`bookable_outbox_jobs` is read from the store at scrape time, at most once per max_age."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from prometheus_client import REGISTRY

from bot.observability.metrics import OutboxGauges


class Stats:
    """Stands in for `store.outbox_stats` (the store's own tests cover its numbers)."""

    def __init__(self) -> None:
        self.values = {"pending": 3, "retrying": 1, "leased": 2, "done": 40, "dead": 1}
        self.calls = 0
        self.down = False
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self) -> Mapping[str, int]:
        self.calls += 1
        self.entered.set()
        await self.release.wait()
        if self.down:
            raise ConnectionError("database unavailable")
        return dict(self.values)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def shown() -> dict[str, float | None]:
    states = ("pending", "retrying", "leased", "dead", "done")
    return {s: REGISTRY.get_sample_value("bookable_outbox_jobs", {"state": s}) for s in states}


async def test_scrapes_within_max_age_share_one_query_and_a_failure_keeps_the_last_values() -> None:
    stats, clock = Stats(), Clock()
    gauges = OutboxGauges(stats, max_age=5.0, clock=clock)

    await gauges.refresh()
    first = shown()
    assert {k: v for k, v in first.items() if k != "done"} == {
        "pending": 3, "retrying": 1, "leased": 2, "dead": 1
    }  # fmt: skip

    stats.values.update(pending=7, dead=2)
    clock.now += 4.9
    await gauges.refresh()
    assert stats.calls == 1 and shown() == first  # cached

    clock.now += 0.2
    await gauges.refresh()
    assert stats.calls == 2
    assert shown()["pending"] == 7 and shown()["dead"] == 2

    stats.down = True
    clock.now += 6
    await gauges.refresh()  # does not raise: the scrape still answers
    assert stats.calls == 3 and shown()["pending"] == 7


async def test_concurrent_scrapes_wait_for_the_one_query_in_flight() -> None:
    stats, clock = Stats(), Clock()
    stats.values["pending"] = 11
    gauges = OutboxGauges(stats, max_age=5.0, clock=clock)

    async def scrape() -> float | None:
        await gauges.refresh()
        return shown()["pending"]

    stats.release.clear()
    scrapes = [asyncio.create_task(scrape()) for _ in range(5)]
    await stats.entered.wait()
    stats.release.set()
    assert await asyncio.gather(*scrapes) == [11] * 5  # none answered with stale values
    assert stats.calls == 1
