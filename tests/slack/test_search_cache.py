from __future__ import annotations

import asyncio

import pytest

from bot.service.search import CoalescingCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Source:
    """Counts calls; each call waits until released so calls overlap."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.fail = False

    async def fetch(self) -> str:
        self.calls += 1
        await self.release.wait()
        if self.fail:
            raise RuntimeError("bookable down")
        return f"result {self.calls}"


async def test_concurrent_identical_lookups_make_one_call() -> None:
    cache: CoalescingCache[str] = CoalescingCache(30)
    source = Source()
    waiters = [asyncio.create_task(cache.get("q", source.fetch)) for _ in range(50)]
    await asyncio.sleep(0)
    source.release.set()
    assert set(await asyncio.gather(*waiters)) == {"result 1"}
    assert source.calls == 1 == cache.fetches


async def test_results_expire_after_the_ttl() -> None:
    clock = Clock()
    cache: CoalescingCache[str] = CoalescingCache(30, clock=clock)
    source = Source()
    source.release.set()
    assert await cache.get("q", source.fetch) == "result 1"
    clock.now += 29
    assert await cache.get("q", source.fetch) == "result 1"
    clock.now += 2
    assert await cache.get("q", source.fetch) == "result 2"
    assert await cache.get("other", source.fetch) == "result 3"


async def test_failures_reach_every_waiter_and_are_not_cached() -> None:
    cache: CoalescingCache[str] = CoalescingCache(30)
    source = Source()
    source.fail = True
    waiters = [asyncio.create_task(cache.get("q", source.fetch)) for _ in range(3)]
    await asyncio.sleep(0)
    source.release.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    source.fail = False
    assert await cache.get("q", source.fetch) == "result 2"


async def test_a_caller_giving_up_does_not_cancel_the_others() -> None:
    cache: CoalescingCache[str] = CoalescingCache(30)
    source = Source()
    impatient = asyncio.create_task(cache.get("q", source.fetch))
    patient = asyncio.create_task(cache.get("q", source.fetch))
    await asyncio.sleep(0)
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    source.release.set()
    assert await patient == "result 1"


async def test_zero_ttl_still_coalesces_but_never_caches() -> None:
    cache: CoalescingCache[str] = CoalescingCache(0)
    source = Source()
    source.release.set()
    await cache.get("q", source.fetch)
    await cache.get("q", source.fetch)
    assert source.calls == 2


async def test_size_is_bounded() -> None:
    cache: CoalescingCache[str] = CoalescingCache(30, max_entries=3)
    source = Source()
    source.release.set()
    for key in "abcd":
        await cache.get(key, source.fetch)
    assert cache.peek("a") is None and cache.peek("d") is not None
