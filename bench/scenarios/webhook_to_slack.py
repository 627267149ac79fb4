"""Webhook → Slack: from sending a signed webhook to the fake Slack recording the app's
`chat.postMessage` / `chat.update`, with Slack's per-channel pacing enforced by the fake.

Two kinds of bookings, both set up through the real app:
* made elsewhere: channels subscribe with `/bookable subscribe venue:"…"`, and a webhook
  becomes one notice (`chat.postMessage`) in the matching channel;
* made through the app (search → Book → submit, by the driver in the fake Slack): a
  webhook becomes a thread reply (`chat.postMessage`) and a `chat.update` of the
  confirmation message.

1. Latency: webhooks spread so no channel goes over its pace (not rate-limited).
2. Burst: many notices for one channel at once; the fake answers 429 above its pace and the
   app must pace itself so that never happens. Scaled to fit the run: fake and notifier
   both at 5 messages/s per channel with a burst of 3 (Slack's is about 1/s).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.context import BenchContext
from bench.controls import FakeSlackControl
from bench.harness import Service
from bench.load import HttpRequest, percentile, send
from bench.report import Metric, ScenarioResult
from bench.slack_requests import bench_channel_ids
from bench.webhooks import signed_webhook, webhook_body
from bench.workload import TrafficBuilder, user_ids
from bot.sandbox.seed import seed_venues

NAME = "webhook to Slack"
NOTICE_CHANNELS = 10  # C_BENCH00-09 subscribe; C_BENCH10+ hold bookings made in Slack
PACE_PER_SECOND = 5.0
PACE_BURST = 3
P95_GOAL_MS = 200.0
NOTICE_RATE = 8.0  # webhooks/s over the notice channels: 0.8/s per channel
ROUND_GAP = 1.0  # seconds between update rounds of the app's bookings (1/s per channel)
POST, UPDATE = "chat.postMessage", "chat.update"
# One group per booking, so concurrent bookings never compete for the same table.
BOOKING_QUERIES = (
    "search group:hawksmoor",
    'search group:"pasta nostra"',
    "search group:saltwater",
    'search group:"green fig"',
    'search group:"copper kettle"',
    'search group:"lantern house"',
    "search group:dishoom",
    'search group:"bancroft"',
)


@dataclass
class Sent:
    key: str  # a notice's reference, or the confirmation ts of a booking made in Slack
    at: float  # wall clock, like the fake's `at`


@dataclass
class Latencies:
    post: list[float] = field(default_factory=list)
    update: list[float] = field(default_factory=list)
    missing_posts: int = 0
    missing_updates: int = 0


def _venue(channel: str) -> tuple[str, str, str]:
    """The seeded sandbox venue whose bookings a notice channel follows: its name (the
    subscription), group and a product's compositeId (what Bookable's webhook names; the
    app looks the venue up from it). Venues from the end of the seed list, clear of the
    ones the bookings made in Slack use."""
    data = list(reversed(seed_venues()))[int(channel[-2:]) % NOTICE_CHANNELS].data
    group = str(data.get("venueGroupName") or "")
    return str(data["name"]), group, str(data["products"][0]["compositeId"])


async def run(ctx: BenchContext) -> ScenarioResult:
    result = ScenarioResult(NAME)
    notices = 16 if ctx.quick else 160
    bookings, rounds = (2, 3) if ctx.quick else (len(BOOKING_QUERIES), 10)
    burst_count = 15 if ctx.quick else 300
    await ctx.reset_fakes(rate_per_channel=PACE_PER_SECOND, burst=PACE_BURST)
    app = await ctx.start_app(
        "notify",
        NOTIFIER_CHANNEL_RATE=str(PACE_PER_SECOND),
        NOTIFIER_CHANNEL_BURST=str(PACE_BURST),
    )
    fake = ctx.fake_ctl
    channels = bench_channel_ids(NOTICE_CHANNELS + bookings)  # the fake has at least these
    notice_channels, booking_channels = channels[:NOTICE_CHANNELS], channels[NOTICE_CHANNELS:]
    url = f"{app.url}/webhooks/bookable"

    ctx.say(f"notify: subscribing {NOTICE_CHANNELS} channels, {bookings} bookings through Slack")
    await _subscribe(ctx, app, fake, notice_channels)
    made = await _bookings(ctx, app, booking_channels)
    since = await fake.call_index()  # only calls from here on

    ctx.say(f"notify: {notices} notices, {bookings}x{rounds} updates of app bookings")
    spread = [notice_channels[index % NOTICE_CHANNELS] for index in range(notices)]
    notice_sent = await _send_notices(ctx, url, spread, NOTICE_RATE, "LAT")
    update_sent = await _send_updates(ctx, url, made, rounds)
    seen = await _collect(fake, since, notice_sent, update_sent, within=30.0)
    posts_ms = [s * 1000 for s in seen.post]
    updates_ms = [s * 1000 for s in seen.update]
    expected_posts = notices + bookings * rounds
    note = (
        f"{len(posts_ms)} of {expected_posts} posts ({notices} channel notices, "
        f"{bookings * rounds} thread replies) and {len(updates_ms)} of {bookings * rounds} "
        f"updates seen; no channel above its pace"
    )
    result.metrics += [
        Metric("webhook → chat.postMessage p50", percentile(posts_ms, 50), None, "ms", "-", None),
        Metric("webhook → chat.postMessage p95", percentile(posts_ms, 95), None, "ms",
               f"< {P95_GOAL_MS:g} ms", percentile(posts_ms, 95) < P95_GOAL_MS
               and not seen.missing_posts, note),
        Metric("webhook → chat.update p50", percentile(updates_ms, 50), None, "ms", "-", None),
        Metric("webhook → chat.update p95", percentile(updates_ms, 95), None, "ms",
               f"< {P95_GOAL_MS:g} ms", percentile(updates_ms, 95) < P95_GOAL_MS
               and not seen.missing_updates,
               "confirmation message of a booking made in Slack, updated in place"),
    ]  # fmt: skip

    before = await fake.stats()
    since = await fake.call_index()
    ctx.say(f"notify: burst of {burst_count} notices for one channel")
    burst_sent = await _send_notices(ctx, url, [notice_channels[0]] * burst_count, 200.0, "BURST")
    drain = (burst_count - PACE_BURST) / PACE_PER_SECOND
    burst = await _collect(fake, since, burst_sent, [], within=drain * 2 + 30)
    after = await fake.stats()
    limited = after["rate_limited"] - before["rate_limited"]
    took = max(burst.post, default=float("nan"))
    result.metrics.append(
        Metric(
            f"429s from Slack, burst of {burst_count}",
            float(limited), None, "429s", "0", limited == 0 and not burst.missing_posts,
            f"fake Slack and notifier at {PACE_PER_SECOND:g}/s per channel, burst "
            f"{PACE_BURST} (Slack: ~1/s; scaled to fit the run); {len(burst.post)} "
            f"of {burst_count} posted, the last {took:.1f} s after its webhook "
            f"(the pace allows {drain:.1f} s)",
        )
    )  # fmt: skip
    result.details = {
        "bookings_made_in_slack": made,
        "latency": {
            "notices": notices,
            "updates": bookings * rounds,
            "posts_seen": len(posts_ms),
            "updates_seen": len(updates_ms),
            "post_max_ms": round(max(posts_ms, default=0.0), 2),
            "update_max_ms": round(max(updates_ms, default=0.0), 2),
        },
        "burst": {
            "sent": burst_count,
            "posted": len(burst.post),
            "missing": burst.missing_posts,
            "rate_limited": limited,
            "last_posted_after_s": round(took, 2),
            "fake_calls": after["calls"],
        },
    }
    return result


async def _subscribe(
    ctx: BenchContext, app: Service, fake: FakeSlackControl, channels: list[str]
) -> None:
    """`/bookable subscribe venue:"<a seeded venue>"` in every channel, as a member would."""
    builder = TrafficBuilder()
    user = user_ids(1)[0]
    since = await fake.call_index()
    for channel in channels:
        url = (await fake.response_urls(channel, user, 1))[0]
        trigger = (await fake.trigger_ids(user, 1))[0]
        signed = builder.search(
            f'subscribe venue:"{_venue(channel)[0]}"', user, url, trigger, channel=channel
        )
        async with ctx.session.post(
            f"{app.url}/slack/events", data=signed.body, headers=signed.headers
        ) as answer:
            if answer.status != 200:
                raise RuntimeError(f"subscribe in {channel} answered HTTP {answer.status}")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        calls, _ = await fake.calls(method="response_url", since=since)
        if len(calls) >= len(channels):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the app did not confirm every subscription")


async def _bookings(ctx: BenchContext, app: Service, channels: list[str]) -> list[dict[str, Any]]:
    """One booking through Slack per channel, each by its own user, all at once."""
    users = user_ids(len(channels) + 1)[1:]
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()  # clear of "today" edges
    return list(
        await asyncio.gather(
            *(
                ctx.fake_ctl.book(
                    app.url,
                    user=user,
                    channel=channel,
                    query=f"{BOOKING_QUERIES[index % len(BOOKING_QUERIES)]} date:{day} party:2",
                )
                for index, (user, channel) in enumerate(zip(users, channels, strict=True))
            )
        )
    )


async def _send_notices(
    ctx: BenchContext, url: str, channels: list[str], rate: float, tag: str
) -> list[Sent]:
    """One webhook per entry of `channels` (a booking made elsewhere, at that channel's
    venue), open loop at `rate`. The reference shows in the notice: that is how a post is
    matched to its webhook."""
    stamp = int(time.time())
    planned = []
    for index, channel in enumerate(channels):
        reference = f"{tag}-{stamp}-{index:05d}"
        body = webhook_body(
            f"bench-{reference}",
            "confirmed",
            venue=_venue(channel)[:2],
            composite_id=_venue(channel)[2],
            reference=reference,
        )
        planned.append((reference, signed_webhook(url, body)))
    return await _paced(ctx, planned, rate)


async def _send_updates(
    ctx: BenchContext, url: str, made: list[dict[str, Any]], rounds: int
) -> list[Sent]:
    """`rounds` status updates of every booking made in Slack, one round per ROUND_GAP,
    after each booking's creation event (as Bookable sends it when the booking is made; it
    is no news, so it gets no reply and is not measured)."""
    created_at = datetime.now(UTC) - timedelta(seconds=1)
    creations = [
        (
            booking["ts"],
            signed_webhook(
                url, webhook_body(booking["booking_id"], "confirmed", last_update=created_at)
            ),
        )
        for booking in made
    ]
    await _paced(ctx, creations, rate=50.0)
    sent: list[Sent] = []
    statuses = ("confirmed", "completed")
    for round_number in range(rounds):
        planned = [
            (
                booking["ts"],
                signed_webhook(
                    url, webhook_body(booking["booking_id"], statuses[round_number % 2])
                ),
            )
            for booking in made
        ]
        started = time.monotonic()
        sent += await _paced(ctx, planned, rate=50.0)
        await asyncio.sleep(max(0.0, ROUND_GAP - (time.monotonic() - started)))
    return sent


async def _paced(
    ctx: BenchContext, planned: list[tuple[str, HttpRequest]], rate: float
) -> list[Sent]:
    sent: list[Sent] = []
    tasks = []
    loop = asyncio.get_running_loop()
    start = loop.time()
    for index, (key, request) in enumerate(planned):
        delay = start + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        sent.append(Sent(key, time.time()))
        tasks.append(asyncio.create_task(send(ctx.session, request, 0.0)))
    outcomes = await asyncio.gather(*tasks)
    refused = [o for o in outcomes if o.status != 204]
    if refused:
        raise RuntimeError(f"{len(refused)} webhooks were not accepted: {refused[:3]}")
    return sent


async def _collect(
    fake: FakeSlackControl,
    since: int,
    notices: list[Sent],
    updates: list[Sent],
    *,
    within: float,
) -> Latencies:
    """Match the fake's calls to the webhooks: notices by reference; an app booking's
    k-th thread reply and k-th chat.update to its k-th webhook (one booking's events are
    delivered in order)."""
    waiting = {item.key: item for item in notices}
    replies: dict[str, list[float]] = {}
    edits: dict[str, list[float]] = {}
    for item in updates:
        replies.setdefault(item.key, []).append(item.at)
        edits.setdefault(item.key, []).append(item.at)
    found = Latencies()
    pending = len(updates) * 2
    deadline = time.monotonic() + within
    while (waiting or pending) and time.monotonic() < deadline:
        calls, since = await fake.calls(since=since)
        for call in calls:
            if call["http_status"] != 200 or not call["response"].get("ok"):
                continue
            args = call["args"]
            if call["method"] == POST and args.get("thread_ts") in replies:
                queue = replies[args["thread_ts"]]
                if queue:
                    found.post.append(call["at"] - queue.pop(0))
                    pending -= 1
            elif call["method"] == UPDATE and args.get("ts") in edits:
                queue = edits[args["ts"]]
                if queue:
                    found.update.append(call["at"] - queue.pop(0))
                    pending -= 1
            elif call["method"] == POST:
                text = json.dumps(args)
                for reference in [r for r in waiting if r in text]:
                    found.post.append(call["at"] - waiting.pop(reference).at)
        if waiting or pending:
            await asyncio.sleep(0.2)
    found.missing_posts = len(waiting) + sum(len(q) for q in replies.values())
    found.missing_updates = sum(len(q) for q in edits.values())
    return found
