"""Webhook ingest: signed Bookable webhooks at rising open-loop rates; the sustained rate is
the highest step where every webhook got 204 with a p99 under 50 ms. SQLite, and Postgres
when a server answers (in a scratch database).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import aiohttp

from bench import postgres
from bench.context import BenchContext
from bench.harness import Service
from bench.load import LoadResult, open_loop
from bench.report import Metric, ScenarioResult
from bench.webhooks import VENUES, signed_webhook, webhook_body

NAME = "webhook ingest"
P99_LIMIT_MS = 50.0
SQLITE_GOAL = 500
FULL_STEPS = (50, 100, 250, 500, 750, 1000, 1250, 1500)
QUICK_STEPS = (50, 100, 250, 500)
ACCEPTED = frozenset({204})


async def run(ctx: BenchContext) -> ScenarioResult:
    result = ScenarioResult(NAME)
    ctx.say("ingest: SQLite")
    sqlite = await _climb(ctx, ctx.sqlite_url("ingest"))
    await ctx.reset_fakes()
    result.details["sqlite"] = sqlite
    result.metrics.append(_metric("SQLite", sqlite, goal=SQLITE_GOAL))
    if ctx.postgres_url is None:
        result.metrics.append(
            Metric("webhook ingest, Postgres", None, None, "/s", "-", None,
                   "Postgres did not answer; not measured")
        )  # fmt: skip
        return result
    ctx.say("ingest: Postgres")
    async with postgres.scratch_database(ctx.postgres_url) as url:
        pg = await _climb(ctx, url)
    result.details["postgres"] = pg
    result.metrics.append(_metric("Postgres", pg, goal=None))
    return result


def _metric(label: str, climb: dict[str, Any], *, goal: int | None) -> Metric:
    sustained, steps = climb["sustained"], climb["steps"]
    at = next((s for s in reversed(steps) if s["passed"] and s["rate"] == sustained), None)
    rates = "/".join(str(rate) for rate in dict.fromkeys(s["rate"] for s in steps))
    note = (f"p99 {at['p99_ms']:.1f} ms at {sustained}/s; " if at else "no step passed; ") + (
        f"steps {rates}/s, {climb['seconds']:g} s each"
        + (" (a miss is run twice)" if climb["attempts"] > 1 else "")
    )
    miss = steps[-1] if steps and not steps[-1]["passed"] else None
    if miss:
        note += (
            f"; stopped at {miss['rate']}/s: p99 {miss['p99_ms']:.1f} ms, "
            f"statuses {miss['statuses']}"
        )
    goal_text = f">= {goal}/s" if goal else "report"
    return Metric(
        f"webhook ingest, {label}",
        float(sustained),
        None,
        "/s",
        f"{goal_text} (p99 < {P99_LIMIT_MS:g} ms)",
        sustained >= goal if goal else None,
        note,
    )


async def _climb(ctx: BenchContext, database_url: str) -> dict[str, Any]:
    seconds = 1.0 if ctx.quick else 5.0
    attempts = 1 if ctx.quick else 2
    steps = QUICK_STEPS if ctx.quick else FULL_STEPS
    app = await ctx.start_app("ingest", database_url=database_url)
    url = f"{app.url}/webhooks/bookable"
    done: list[dict[str, Any]] = []
    sustained = 0
    try:
        # Warm-up (connections, first statements) outside the measurement.
        await open_loop(ctx.session, _webhooks(url, 50), 50)
        await _outbox_drained(ctx, app)
        for rate in steps:
            # A miss is measured once more: other work on the machine comes in bursts.
            for attempt in range(attempts):
                meter = ctx.cpu_meter(app)
                run_result = await open_loop(ctx.session, _webhooks(url, int(rate * seconds)), rate)
                step = {**_step(rate, run_result), "attempt": attempt + 1, "cpu": meter.stop()}
                step["drain_s"] = await _outbox_drained(ctx, app)
                done.append(step)
                ctx.say(f"ingest: {rate}/s → p99 {step['p99_ms']:.1f} ms, {step['statuses']}")
                if step["passed"]:
                    break
            if not step["passed"]:
                break
            sustained = rate
    finally:
        ctx.harness.stop(app)
    return {"sustained": sustained, "seconds": seconds, "attempts": attempts, "steps": done}


async def _outbox_drained(ctx: BenchContext, app: Service, within: float = 60.0) -> float:
    """Wait until the notifier has worked off every stored event, so each step starts from
    an empty outbox (its own events are worked off during the step, as in production).
    Returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            async with ctx.session.get(f"{app.url}/healthz") as answer:
                outbox = (await answer.json()).get("outbox") or {}
        except aiohttp.ClientError:  # a kept-alive connection the server closed: ask again
            await asyncio.sleep(0.1)
            continue
        if not outbox.get("pending") and not outbox.get("leased"):
            break
        await asyncio.sleep(0.1)
    return round(time.monotonic() - started, 2)


def _webhooks(url: str, count: int) -> list[Any]:
    """`count` distinct events (new booking ids), signed; built before the clock starts."""
    statuses = ("confirmed", "cancelled", "completed", "no_show")
    return [
        signed_webhook(
            url,
            webhook_body(
                f"bench-{uuid.uuid4().hex}",
                statuses[index % len(statuses)],
                venue=VENUES[index % len(VENUES)],
            ),
        )
        for index in range(count)
    ]


def _step(rate: int, run_result: LoadResult) -> dict[str, Any]:
    p99 = run_result.percentile_ms(99)
    failures = len(run_result.failures(ACCEPTED))
    return {
        "rate": rate,
        "requests": len(run_result.outcomes),
        "statuses": run_result.status_counts(),
        "p50_ms": round(run_result.percentile_ms(50), 2),
        "p99_ms": round(p99, 2),
        "generator_max_lag_ms": round(run_result.max_lag * 1000, 2),
        "passed": failures == 0 and p99 < P99_LIMIT_MS,
    }
