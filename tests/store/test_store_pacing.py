"""The shared per-channel plan (`channel_pacing`): GCRA slots handed out atomically."""

from __future__ import annotations

import asyncio

import pytest

from bot.store import Store


async def test_slots_follow_the_burst_then_one_per_interval(store: Store) -> None:
    slots = [
        await store.reserve_channel_slot("C1", interval=1.0, tolerance=1.0, now=100.0)
        for _ in range(4)
    ]
    assert slots == [100.0, 100.0, 101.0, 102.0]
    other = await store.reserve_channel_slot("C2", interval=1.0, tolerance=1.0, now=100.0)
    assert other == 100.0  # channels are independent


async def test_an_idle_channel_starts_from_now_again(store: Store) -> None:
    await store.reserve_channel_slot("C1", interval=1.0, tolerance=0.0, now=100.0)
    assert await store.reserve_channel_slot("C1", interval=1.0, tolerance=0.0, now=500.0) == 500.0


async def test_concurrent_reservations_never_share_a_slot(store: Store) -> None:
    slots = await asyncio.gather(
        *(
            store.reserve_channel_slot("C1", interval=0.5, tolerance=0.0, now=100.0)
            for _ in range(12)
        )
    )
    assert sorted(slots) == pytest.approx([100.0 + 0.5 * i for i in range(12)])


async def test_a_hold_pushes_the_next_slot_past_it_and_never_back(store: Store) -> None:
    await store.hold_channel("C1", 130.0, tolerance=1.0)
    assert await store.reserve_channel_slot("C1", interval=1.0, tolerance=1.0, now=100.0) == 130.0
    await store.hold_channel("C1", 110.0, tolerance=1.0)  # an older 429 moves nothing back
    assert await store.reserve_channel_slot("C1", interval=1.0, tolerance=1.0, now=100.0) == 131.0
