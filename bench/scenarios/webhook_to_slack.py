"""Webhook → Slack: from sending a signed webhook to the fake Slack recording the app's
`chat.postMessage`, with Slack's per-channel pacing enforced by the fake.

Channels subscribe through the real `/bookable subscribe` command, one venue each; the
webhooks are for bookings made elsewhere, so each becomes one notice in one channel.

1. Latency: webhooks spread over the channels so no channel goes over its pace.
2. Burst: many webhooks for one channel at once; the fake answers 429 above its pace, the
   app must pace itself so that never happens. Scaled to fit the run: fake and notifier
   both at 5 messages/s per channel with a burst of 3 (Slack's is about 1/s).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from bench.context import BenchContext
from bench.controls import FakeSlackControl
from bench.harness import Service
from bench.load import percentile, send
from bench.report import Metric, ScenarioResult
from bench.slack_requests import bench_channel_ids
from bench.webhooks import signed_webhook, webhook_body
from bench.workload import TrafficBuilder, user_ids

NAME = "webhook to Slack"
CHANNELS = 20
PACE_PER_SECOND = 5.0
PACE_BURST = 3
P95_GOAL_MS = 200.0
LATENCY_RATE = 10.0  # webhooks/s over all channels: 0.5/s per channel, far below the pace
POST = "chat.postMessage"


@dataclass
class Sent:
    reference: str
    channel: str
    at: float  # wall clock, like the fake's `at`


def _venue(channel: str) -> str:
    return f"Benchvenue {channel[-2:]}"


async def run(ctx: BenchContext) -> ScenarioResult:
    result = ScenarioResult(NAME)
    latency_count = 20 if ctx.quick else 200
    burst_count = 15 if ctx.quick else 300
    await ctx.reset_fakes(rate_per_channel=PACE_PER_SECOND, burst=PACE_BURST)
    app = await ctx.start_app(
        "notify",
        NOTIFIER_CHANNEL_RATE=str(PACE_PER_SECOND),
        NOTIFIER_CHANNEL_BURST=str(PACE_BURST),
    )
    control = ctx.fake_ctl
    try:
        channels = bench_channel_ids(CHANNELS)  # the fake Slack has at least these
        await _subscribe(ctx, app, control, channels)
        url = f"{app.url}/webhooks/bookable"

        ctx.say(f"notify: {latency_count} webhooks over {CHANNELS} channels")
        sent = await _send(ctx, url, [channels[i % CHANNELS] for i in range(latency_count)],
                           LATENCY_RATE, "LAT")  # fmt: skip
        latencies, missing = await _latencies(control, sent, within=30.0)
        p50, p95 = percentile(latencies, 50) * 1000, percentile(latencies, 95) * 1000
        result.metrics += [
            Metric("webhook → chat.postMessage p50", p50, None, "ms", "-", None),
            Metric(
                "webhook → chat.postMessage p95", p95, None, "ms", f"< {P95_GOAL_MS:g} ms",
                p95 < P95_GOAL_MS and not missing,
                f"{len(latencies)} of {latency_count} notices seen; webhooks at "
                f"{LATENCY_RATE:g}/s over {CHANNELS} channels (not rate-limited); "
                "bookings made elsewhere, so channel notices (no chat.update)",
            ),
        ]  # fmt: skip

        before = await control.stats()
        ctx.say(f"notify: burst of {burst_count} webhooks for one channel")
        burst_sent = await _send(ctx, url, [channels[0]] * burst_count, 200.0, "BURST")
        drain = (burst_count - PACE_BURST) / PACE_PER_SECOND
        burst_latencies, burst_missing = await _latencies(
            control, burst_sent, within=drain * 2 + 30
        )
        after = await control.stats()
        limited = after["rate_limited"] - before["rate_limited"]
        took = max(burst_latencies) if burst_latencies else float("nan")
        result.metrics.append(
            Metric(
                f"429s from Slack, burst of {burst_count}",
                float(limited), None, "429s", "0", limited == 0 and not burst_missing,
                f"fake Slack and notifier at {PACE_PER_SECOND:g}/s per channel, burst "
                f"{PACE_BURST} (Slack: ~1/s; scaled to fit the run); {len(burst_latencies)} "
                f"of {burst_count} posted, last after {took:.1f} s "
                f"(pace allows {drain:.1f} s)",
            )
        )  # fmt: skip
        result.details = {
            "latency": {
                "sent": latency_count,
                "seen": len(latencies),
                "missing": missing,
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "max_ms": round(max(latencies, default=0.0) * 1000, 2),
            },
            "burst": {
                "sent": burst_count,
                "posted": len(burst_latencies),
                "missing": burst_missing,
                "rate_limited": limited,
                "last_posted_after_s": round(took, 2),
                "fake_calls": after["calls"],
            },
        }
        return result
    finally:
        ctx.harness.stop(app)


async def _subscribe(
    ctx: BenchContext, app: Service, fake: FakeSlackControl, channels: list[str]
) -> None:
    """`/bookable subscribe venue:"Benchvenue NN"` in every channel, as a member would."""
    builder = TrafficBuilder()
    user = user_ids(1)[0]
    for channel in channels:
        url = (await fake.response_urls(channel, user, 1))[0]
        trigger = (await fake.trigger_ids(user, 1))[0]
        signed = builder.search(
            f'subscribe venue:"{_venue(channel)}"', user, url, trigger, channel=channel
        )
        async with ctx.session.post(
            f"{app.url}/slack/events", data=signed.body, headers=signed.headers
        ) as answer:
            if answer.status != 200:
                raise RuntimeError(f"subscribe in {channel} answered HTTP {answer.status}")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        calls, _ = await fake.calls(method="response_url")
        if len(calls) >= len(channels):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the app did not confirm every subscription")


async def _send(
    ctx: BenchContext, url: str, channels: list[str], rate: float, tag: str
) -> list[Sent]:
    """One webhook per entry of `channels` (for that channel's venue), open loop at `rate`."""
    bodies = []
    for index, channel in enumerate(channels):
        reference = f"{tag}-{index:05d}-{int(time.time())}"
        # The reference shows in the notice: that is how a post is matched to its webhook.
        body = webhook_body(
            f"bench-{reference}",
            "confirmed",
            venue=(_venue(channel), "Bench Group"),
            reference=reference,
        )
        bodies.append((reference, channel, signed_webhook(url, body)))
    sent: list[Sent] = []
    tasks = []
    loop = asyncio.get_running_loop()
    start = loop.time()
    for index, (reference, channel, request) in enumerate(bodies):
        delay = start + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        sent.append(Sent(reference, channel, time.time()))
        tasks.append(asyncio.create_task(send(ctx.session, request, 0.0)))
    outcomes = await asyncio.gather(*tasks)
    refused = [o for o in outcomes if o.status != 204]
    if refused:
        raise RuntimeError(f"{len(refused)} webhooks were not accepted: {refused[:3]}")
    return sent


async def _latencies(
    fake: FakeSlackControl, sent: list[Sent], *, within: float
) -> tuple[list[float], int]:
    """Seconds from each webhook to its chat.postMessage at the fake; and how many never came."""
    waiting = {item.reference: item for item in sent}
    found: list[float] = []
    since = 0
    deadline = time.monotonic() + within
    while waiting and time.monotonic() < deadline:
        calls, since = await _posts_since(fake, since)
        for call in calls:
            if call["http_status"] != 200 or not call["response"].get("ok"):
                continue
            text = json.dumps(call["args"])
            for reference in [r for r in waiting if r in text]:
                found.append(call["at"] - waiting.pop(reference).at)
        if waiting:
            await asyncio.sleep(0.2)
    return found, len(waiting)


async def _posts_since(fake: FakeSlackControl, since: int) -> tuple[list[dict[str, Any]], int]:
    calls, following = await fake.calls(since=since)
    return [call for call in calls if call["method"] == POST], following
