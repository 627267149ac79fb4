"""SQLite's single writer: urgent writers (webhook ingest) overtake background ones."""

from __future__ import annotations

import asyncio

from bot.store.core import WriteGate


async def test_an_urgent_writer_overtakes_waiting_background_writers() -> None:
    gate = WriteGate()
    order: list[str] = []
    holder_in = asyncio.Event()
    release = asyncio.Event()

    async def write(name: str, *, urgent: bool, hold: bool = False) -> None:
        async with gate.enter(urgent=urgent):
            order.append(name)
            if hold:
                holder_in.set()
                await release.wait()

    holder = asyncio.create_task(write("first", urgent=False, hold=True))
    await holder_in.wait()
    background = [asyncio.create_task(write(f"bg{i}", urgent=False)) for i in range(3)]
    await asyncio.sleep(0)  # three background writers queue first
    urgent = asyncio.create_task(write("urgent", urgent=True))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holder, urgent, *background)

    assert order == ["first", "urgent", "bg0", "bg1", "bg2"]


async def test_a_cancelled_urgent_writer_does_not_block_background_writers() -> None:
    gate = WriteGate()
    async with gate.enter(urgent=False):
        waiting = asyncio.create_task(_enter(gate, urgent=True))
        await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)

    await asyncio.wait_for(_enter(gate, urgent=False), timeout=1)


async def _enter(gate: WriteGate, *, urgent: bool) -> None:
    async with gate.enter(urgent=urgent):
        pass
