"""`FollowUps`: bounded, never drops taken work, survives a failing job."""

from __future__ import annotations

import asyncio

from bot.slack.followups import FollowUps


async def test_a_full_queue_refuses_and_counts_and_stop_finishes_what_was_taken() -> None:
    followups = FollowUps(workers=1, size=2)
    followups.start()
    release, taken = asyncio.Event(), asyncio.Event()
    done: list[str] = []

    async def job(name: str) -> None:
        taken.set()
        await release.wait()
        done.append(name)

    assert followups.submit("first", lambda: job("first"))
    await asyncio.wait_for(taken.wait(), 10)  # the only worker is busy with it
    assert followups.submit("second", lambda: job("second"))
    assert followups.submit("third", lambda: job("third"))
    assert followups.depth == 2
    assert not followups.submit("fourth", lambda: job("fourth"))
    assert followups.shed == 1

    release.set()
    await followups.stop()
    assert done == ["first", "second", "third"]  # taken work is done before stopping


async def test_a_failing_job_does_not_stop_its_worker() -> None:
    followups = FollowUps(workers=1, size=5)
    followups.start()
    done = asyncio.Event()

    async def broken() -> None:
        raise RuntimeError("bug in a follow-up")

    async def fine() -> None:
        done.set()

    assert followups.submit("broken", broken)
    assert followups.submit("fine", fine)
    await asyncio.wait_for(done.wait(), 10)
    await followups.stop()
