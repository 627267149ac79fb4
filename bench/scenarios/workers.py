"""One worker against two on Postgres: `bookable-bot serve --workers 1`, then `--workers 2`,
each on its own scratch database, under the same closed loop of 50 users sending
`/bookable search` commands (~30 realistic queries, Bookable at its default speed).

The figure is completed searches per second: results delivered to the fake Slack through
response_url while the load ran. Acks alone would not do: past the queue's size a worker
answers "busy" in microseconds, which is an ack but no search.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import psutil

from bench import postgres
from bench.context import BenchContext
from bench.delivery import delivered_searches, shed_total
from bench.harness import Service
from bench.load import HttpRequest, closed_loop
from bench.report import Metric, ScenarioResult
from bench.workload import TrafficBuilder, mint, to_target, user_ids

NAME = "workers on Postgres"
WORKER_COUNTS = (1, 2)
USERS = 100
LOOP_USERS = 50
GOAL = 1.6  # 2 workers deliver at least this many times what 1 delivers
WARM_UP_SECONDS = 1.0
# Slack lets a response_url be used 5 times: mint enough that the loop never runs out
# (acks come back at most about 2,000/s here, busy answers included).
POOL_PER_SECOND = 800
LABELS = {1: "app", 2: "app-2w"}  # the memory row reads "app-2w" per process


async def run(ctx: BenchContext) -> ScenarioResult:
    result = ScenarioResult(NAME)
    metric_name = "completed searches/s, serve --workers 2 vs 1 (Postgres)"
    if ctx.postgres_url is None:
        result.metrics.append(
            Metric(metric_name, None, None, "/s", f">= {GOAL}x 1 worker", None,
                   "Postgres did not answer; not measured")
        )  # fmt: skip
        return result
    seconds = 3.0 if ctx.quick else 10.0
    users = user_ids(USERS)
    pool_size = int(POOL_PER_SECOND * (seconds + WARM_UP_SECONDS))
    figures: dict[int, float] = {}
    for workers in WORKER_COUNTS:
        # Fresh response_urls per run, so neither run finds them used up.
        minted = await mint(ctx.fake_ctl, users, pool_size // USERS + 1, triggers=False)
        signed = TrafficBuilder().mix(pool_size, users, minted, None)
        ctx.say(f"workers: serve --workers {workers} on Postgres, {seconds:g} s")
        async with postgres.scratch_database(ctx.postgres_url) as url:
            app = await ctx.start_app(
                f"workers-{workers}", database_url=url, workers=workers, label=LABELS[workers]
            )
            try:
                details = await _measure(
                    ctx, app, workers, to_target(signed, _events(app)), seconds
                )
            finally:
                ctx.harness.stop(app)
        result.details[f"{workers} worker(s)"] = details
        figures[workers] = details["completed_per_second"]
    one, two = figures[1], figures[2]
    result.metrics.append(
        Metric(
            metric_name, two, one, "/s", f">= {GOAL}x 1 worker", bool(one) and two / one >= GOAL,
            f"baseline: --workers 1; closed loop of {LOOP_USERS} users sending searches for "
            f"{seconds:g} s after {WARM_UP_SECONDS:g} s warm-up, results delivered by "
            "response_url in that window; each on a scratch Postgres database",
        )
    )  # fmt: skip
    return result


async def _measure(
    ctx: BenchContext, app: Service, workers: int, pool: list[HttpRequest], seconds: float
) -> dict[str, Any]:
    await _wait_for_workers(app, workers)
    counter = itertools.count()

    def next_request(user: int, sent: int) -> HttpRequest:
        return pool[next(counter) % len(pool)]

    await closed_loop(ctx.session, next_request, users=LOOP_USERS, duration=WARM_UP_SECONDS)
    since = await ctx.fake_ctl.call_index()
    meter = ctx.cpu_meter(app)
    started = time.time()
    run = await closed_loop(ctx.session, next_request, users=LOOP_USERS, duration=seconds)
    ended = time.time()
    cpu = meter.stop()
    # Results still on their way when the load stopped are not counted: the window is fixed.
    await asyncio.sleep(0.5)
    completed = await delivered_searches(ctx.fake_ctl, since, between=(started, ended))
    return {
        "workers": workers,
        "acks": run.status_counts(),
        "ack_p99_ms": round(run.percentile_ms(99), 2),
        "acks_per_second": round(len(run.ok()) / run.duration, 1) if run.duration else 0.0,
        "searches_completed": completed,
        "completed_per_second": round(completed / (ended - started), 1),
        # Since start (warm-up too); with 2 workers, of whichever answered /metrics.
        "shed_total_at_end": await shed_total(ctx.session, app),
        "cpu_seconds": cpu,
    }


async def _wait_for_workers(app: Service, workers: int, *, within: float = 30.0) -> None:
    """`serve --workers N` is healthy once one worker answers: wait until all N run and
    have had time to start serving (a fixed grace; we cannot address one worker)."""
    if workers == 1:
        return
    deadline = time.monotonic() + within
    parent = psutil.Process(app.process.pid)
    while len(parent.children()) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"serve --workers {workers} started fewer workers")
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)


def _events(service: Service) -> str:
    return f"{service.url}/slack/events"
