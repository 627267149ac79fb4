"""Ack latency: signed searches and Book clicks, open loop at 100/s, 300/s and 1,000/s
(a short burst), while the sandbox adds 2 s to every Bookable call; then a closed loop of
50 users for saturation.

The bare Bolt app (same server stack, listeners that only ack) gets the identical
requests in the same run, just before ours, as the baseline. At each rate our app is also
measured for requests without an ack within 3 s, work it shed (its own /metrics), and
search results delivered per CPU-second it used (until its follow-ups have finished).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from bench import baseline
from bench.context import BenchContext
from bench.delivery import delivered_searches, shed_total, wait_settled
from bench.harness import Service
from bench.load import DEFAULT_TIMEOUT, HttpRequest, LoadResult, closed_loop, open_loop
from bench.report import Metric, ScenarioResult
from bench.workload import CHANNEL, TrafficBuilder, book_buttons, mint, to_target, user_ids

NAME = "ack latency"
RATES = (100, 300, 1000)
BURST_RATE = 1000  # runs for at most BURST_SECONDS: a lunch rush, not a steady state
BURST_SECONDS = 5.0
USERS = 100
SATURATION_USERS = 50
P99_GOALS = {100: 1.5, 300: 2.0}  # at most this many times bare's p99 (issue 10)
NO_ACK_GOAL_RATES = (300, 1000)  # 0 requests without an ack within 3 s at these rates
SLACK_ACK_LIMIT = 3.0  # seconds: past this Slack shows the person an error and retries
EFFICIENCY_RATE = 300  # the rate whose completed searches per CPU-second gets a row
SATURATION_GOAL = 0.7
SANDBOX_LATENCY_MS = 2000
# Follow-ups are done when the fake Slack got nothing for longer than one Bookable call.
SETTLE_SECONDS = SANDBOX_LATENCY_MS / 1000 + 1.0


async def run(ctx: BenchContext) -> ScenarioResult:
    result = ScenarioResult(NAME)
    seconds = 2.0 if ctx.quick else 30.0
    saturation_seconds = 2.0 if ctx.quick else 10.0
    bare = await ctx.harness.start_bare_app(fake_slack=ctx.fake)
    sandbox_ctl, fake_ctl = ctx.sandbox_ctl, ctx.fake_ctl
    users = user_ids(USERS)
    builder = TrafficBuilder()
    # The first measurement reuses the app that ran the warm-up search; later ones get a
    # fresh `serve`, so no backlog from the last measurement competes with them.
    first = await ctx.start_app("ack-warm")
    warm: Service | None = first
    try:
        book = await _book_button(ctx, first, builder, users[0])
        result.details["book_action_id"] = book[0]["action_id"]
        await sandbox_ctl.knobs(latency_ms=SANDBOX_LATENCY_MS, rate_limit=1_000_000)
        for rate in RATES:
            step = min(seconds, BURST_SECONDS) if rate >= BURST_RATE else seconds
            count = int(rate * step)
            minted = await mint(fake_ctl, users, count // USERS + 1, message_ts=book[1]["ts"])
            signed = builder.mix(count, users, minted, book)
            ctx.say(f"ack: {rate}/s for {step:g} s, bare app")
            meter = ctx.cpu_meter(bare)
            bare_run = await open_loop(ctx.session, to_target(signed, _events(bare)), rate)
            bare_cpu = meter.stop()
            ctx.say(f"ack: {rate}/s for {step:g} s, our app")
            app, warm = warm or await ctx.start_app(f"ack-{rate}"), None
            since = await fake_ctl.call_index()
            meter = ctx.cpu_meter(app)
            ours_run = await open_loop(ctx.session, to_target(signed, _events(app)), rate)
            ours_cpu = meter.stop()
            settled = await wait_settled(fake_ctl, quiet=SETTLE_SECONDS)
            drained_cpu = meter.stop()
            work = _Work(
                shed=await shed_total(ctx.session, app),
                completed=await delivered_searches(fake_ctl, since),
                searches=sum(1 for request in signed if b"command=" in request.body),
                cpu_seconds=drained_cpu["app"],
                settled=settled,
            )
            ctx.harness.stop(app)
            result.details[f"{rate}/s"] = {
                "bare": {**_summary(bare_run), "cpu_seconds": bare_cpu},
                "ours": {
                    **_summary(ours_run),
                    "cpu_seconds": ours_cpu,
                    "cpu_seconds_until_follow_ups_done": drained_cpu,
                    **work.summary(),
                },
            }
            result.metrics += _rate_metrics(rate, ours_run, bare_run, ours_cpu, work)
            if rate == EFFICIENCY_RATE:
                result.details["previous main"] = await _previous_main(
                    ctx, users, book, rate, count
                )
        result.metrics.append(_efficiency_metric(result.details))

        pool_size = int(1000 * saturation_seconds)
        minted = await mint(fake_ctl, users, pool_size // USERS + 1, message_ts=book[1]["ts"])
        pool = builder.mix(pool_size, users, minted, book)
        ctx.say(f"ack: saturation, {SATURATION_USERS} users for {saturation_seconds:g} s, bare")
        meter = ctx.cpu_meter(bare)
        bare_run = await _saturate(ctx, to_target(pool, _events(bare)), saturation_seconds)
        bare_cpu = meter.stop()
        ctx.say(f"ack: saturation, {SATURATION_USERS} users for {saturation_seconds:g} s, ours")
        app = await ctx.start_app("ack-saturation")
        meter = ctx.cpu_meter(app)
        ours_run = await _saturate(ctx, to_target(pool, _events(app)), saturation_seconds)
        ours_cpu = meter.stop()
        ctx.harness.stop(app)
        result.details["saturation"] = {
            "bare": {**_summary(bare_run), "cpu_seconds": bare_cpu},
            "ours": {**_summary(ours_run), "cpu_seconds": ours_cpu},
        }
        ours, theirs = _throughput(ours_run), _throughput(bare_run)
        result.metrics.append(
            Metric(
                f"ack saturation ({SATURATION_USERS} users)",
                ours,
                theirs,
                "/s",
                f">= {SATURATION_GOAL}x bare",
                bool(theirs) and ours / theirs >= SATURATION_GOAL,
                f"acks answered 200 per second, closed loop for {saturation_seconds:g} s; "
                f"half searches, half Book clicks; our app used "
                f"{ours_cpu['app'] / ours_cpu['wall']:.0%} of a core",
            )
        )
        return result
    finally:
        ctx.harness.stop(bare)


async def _previous_main(
    ctx: BenchContext,
    users: list[str],
    book: tuple[dict[str, Any], dict[str, Any]],
    rate: int,
    count: int,
) -> dict[str, Any]:
    """The same step against main as it was when issue 10 was filed (`bench.baseline`):
    fresh response URLs and trigger ids, the same mix of searches and Book clicks."""
    commit = ctx.previous_main
    try:
        checkout = baseline.export(commit, ctx.workdir)
    except RuntimeError as error:
        ctx.say(f"ack: previous main not measured: {error}")
        return {"commit": commit, "error": str(error)[:300]}
    minted = await mint(ctx.fake_ctl, users, count // USERS + 1, message_ts=book[1]["ts"])
    signed = TrafficBuilder().mix(count, users, minted, book)
    ctx.say(f"ack: {rate}/s, previous main ({commit})")
    app = await ctx.harness.start_app(
        sandbox=ctx.sandbox, fake_slack=ctx.fake, database_url=ctx.sqlite_url(f"old-{commit}"),
        label="previous-main", checkout=checkout,
    )  # fmt: skip
    try:
        since = await ctx.fake_ctl.call_index()
        meter = ctx.cpu_meter(app)
        run = await open_loop(ctx.session, to_target(signed, _events(app)), rate)
        # Its first search waits for a token and then for the search (2 s each), with no
        # Slack call in between: a longer quiet than ours needs.
        settled = await wait_settled(ctx.fake_ctl, quiet=SETTLE_SECONDS + SANDBOX_LATENCY_MS / 1000)
        cpu = meter.stop()
        work = _Work(
            shed=None,
            completed=await delivered_searches(ctx.fake_ctl, since),
            searches=sum(1 for request in signed if b"command=" in request.body),
            cpu_seconds=cpu[app.name],
            settled=settled,
        )
    finally:
        ctx.harness.stop(app)
    return {"commit": commit, **_summary(run), "cpu_seconds": cpu, **work.summary()}


def _throughput(run: LoadResult) -> float:
    return len(run.ok()) / run.duration if run.duration else 0.0


def _events(service: Service) -> str:
    return f"{service.url}/slack/events"


async def _book_button(
    ctx: BenchContext, app: Service, builder: TrafficBuilder, user: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run one real search through the app and take the first Book button it shows."""
    fake_ctl = ctx.fake_ctl
    minted = await mint(fake_ctl, [user], 1)
    url, trigger = minted.take(user)
    signed = builder.search("search dishoom", user, url, trigger)
    async with ctx.session.post(_events(app), data=signed.body, headers=signed.headers) as answer:
        if answer.status != 200:
            raise RuntimeError(f"warm-up search answered HTTP {answer.status}")
    for _ in range(200):
        for message in await fake_ctl.messages(CHANNEL):
            buttons = book_buttons(message)
            if message.get("ephemeral_to") == user and buttons:
                return buttons[0], message
        await asyncio.sleep(0.1)
    raise RuntimeError("the app never posted search results with a Book button")


async def _saturate(ctx: BenchContext, pool: list[HttpRequest], seconds: float) -> LoadResult:
    counter = iter(range(10**9))

    def next_request(user: int, sent: int) -> HttpRequest:
        return pool[next(counter) % len(pool)]

    return await closed_loop(ctx.session, next_request, users=SATURATION_USERS, duration=seconds)


def _summary(run: LoadResult) -> dict[str, Any]:
    return {
        "requests": len(run.outcomes),
        "statuses": run.status_counts(),
        "p50_ms": round(run.percentile_ms(50), 2),
        "p99_ms": round(run.percentile_ms(99), 2),
        "max_ms": round(run.percentile_ms(100), 2),
        "seconds": round(run.duration, 2),
        "generator_max_lag_ms": round(run.max_lag * 1000, 2),
    }


@dataclass(frozen=True)
class _Work:
    """What our app did with one step's requests, counted once its follow-ups were done."""

    shed: float | None  # interactions answered "busy" (bookable_followups_shed_total)
    completed: int  # search results delivered to the fake Slack through response_url
    searches: int  # searches sent
    cpu_seconds: float  # the app's, from the step's start until its follow-ups were done
    settled: bool  # False: follow-ups still ran when we stopped waiting

    @property
    def per_cpu_second(self) -> float | None:
        return self.completed / self.cpu_seconds if self.cpu_seconds > 0 else None

    def summary(self) -> dict[str, Any]:
        per = self.per_cpu_second
        return {
            "shed": self.shed,
            "searches_sent": self.searches,
            "searches_completed": self.completed,
            "completed_searches_per_cpu_second": round(per, 2) if per is not None else None,
            "follow_ups_settled": self.settled,
        }


def _no_ack_within(run: LoadResult, seconds: float) -> int:
    """Requests Slack would show as failed: no 200 (timeouts too), or one after `seconds`."""
    return sum(1 for o in run.outcomes if o.status != 200 or o.latency > seconds)


def _rate_metrics(
    rate: int, ours: LoadResult, bare: LoadResult, cpu: dict[str, float], work: _Work
) -> list[Metric]:
    failed = len(ours.failures())
    p99_ours, p99_bare = ours.percentile_ms(99), bare.percentile_ms(99)
    p99_goal = P99_GOALS.get(rate)
    note = (
        f"{len(ours.outcomes)} requests, half searches, half Book clicks (each opens the "
        f"modal and loads times), Bookable +{SANDBOX_LATENCY_MS} ms per call; not 200 within "
        f"{DEFAULT_TIMEOUT:g} s: ours {failed}, bare {len(bare.failures())}; our app used "
        f"{cpu['app'] / cpu['wall']:.0%} of a core; generator lag max {ours.max_lag * 1000:.0f} ms"
    )
    late_ours, late_bare = (
        _no_ack_within(ours, SLACK_ACK_LIMIT),
        _no_ack_within(bare, SLACK_ACK_LIMIT),
    )
    late_goal = rate in NO_ACK_GOAL_RATES
    shed_note = (
        "bookable_followups_shed_total from the app's /metrics after the step: interactions "
        'answered "Bookable for Slack is busy" (in the ack, or by response_url for clicks)'
    )
    return [
        Metric(f"ack p50 @{rate}/s", ours.percentile_ms(50), bare.percentile_ms(50), "ms",
               "-", None),
        Metric(f"ack p99 @{rate}/s", p99_ours, p99_bare, "ms",
               f"<= {p99_goal:g}x bare" if p99_goal else "report",
               p99_ours <= p99_goal * p99_bare if p99_goal else None, note),
        Metric(f"no ack within {SLACK_ACK_LIMIT:g} s @{rate}/s", float(late_ours),
               float(late_bare), "count", "0" if late_goal else "report",
               late_ours == 0 if late_goal else None,
               f"of {len(ours.outcomes)}"
               + ("; timeouts and non-200 answers count" if rate == RATES[0] else "")),
        Metric(f"shed @{rate}/s", work.shed, None, "count", "report", None,
               shed_note if rate == RATES[0] else ""),
    ]  # fmt: skip


def _efficiency_metric(details: dict[str, Any]) -> Metric:
    """Completed searches per CPU-second at EFFICIENCY_RATE; the other rates in the note."""
    figures = {
        rate: details[f"{rate}/s"]["ours"]["completed_searches_per_cpu_second"]
        for rate in RATES
        if f"{rate}/s" in details
    }
    at = details.get(f"{EFFICIENCY_RATE}/s", {}).get("ours", {})
    others = ", ".join(
        f"{rate}/s: {value if value is not None else '-'}"
        for rate, value in figures.items()
        if rate != EFFICIENCY_RATE
    )
    previous = details.get("previous main", {})
    ours, theirs = figures.get(EFFICIENCY_RATE), previous.get("completed_searches_per_cpu_second")
    if "error" in previous or not previous:
        about = f"previous main not measured: {previous.get('error', 'step not run')}"
    else:
        about = (
            f"baseline: main at {previous['commit']}"
            + (" (when issue 10 was filed)" if previous["commit"] == baseline.PREVIOUS_MAIN else "")
            + f" on the same step, {previous['searches_completed']} of "
            f"{previous['searches_sent']} delivered"
            + ("" if previous["follow_ups_settled"] else ", still working when we stopped")
        )
    return Metric(
        f"completed searches per CPU-second @{EFFICIENCY_RATE}/s",
        ours,
        theirs,
        "/s",
        ">= 2x previous main",
        ours / theirs >= 2 if ours is not None and theirs else None,
        f"{at.get('searches_completed', 0)} of {at.get('searches_sent', 0)} searches' results "
        "delivered by response_url, over the app's CPU seconds from the step's start until its "
        f"follow-ups were done; other rates {others}; {about}",
    )
