"""Search under Bookable's rate limit: 300 `/bookable search` commands from 100 users in
one minute (quick: 6 s), drawn from ~30 realistic queries, against the sandbox's default
limit of 200 calls per minute. Counts users who were shown an error (or nothing), and the
Bookable calls the app made.

A user "saw an error" when any of their searches ended in a message that is neither a
results page ("Venues: …") nor "No venues found …", or never got an answer at all.

Every other search asks "where can we eat on Friday around 7?" (`date:friday time:7pm`), so
its results fill in free times (`bot/service/times.py`): the row "availability calls per
search" counts the live availability calls the app made (its own /metrics) per search,
once every result has filled in; the cache, coalescing and per-minute budget keep it low,
and a spent budget shows Book buttons, never an error.
"""

from __future__ import annotations

import asyncio
import collections
import json
import math
import random
import time

from prometheus_client.parser import text_string_to_metric_families

from bench.context import BenchContext
from bench.controls import FakeSlackControl
from bench.delivery import RESULT_PREFIXES
from bench.load import open_loop
from bench.report import Metric, ScenarioResult
from bench.workload import CHANNEL, QUERIES, TrafficBuilder, mint, to_target, user_ids
from bot.config import Settings
from bot.slack.blocks.search import TIMES_IN_MODAL, TIMES_LOADING_BLOCK

NAME = "search under rate limit"
SEARCHES = 300
USERS = 100
SANDBOX_LATENCY_MS = 150  # a realistic Bookable round trip, so coalescing has work to do
WHEN = " date:friday time:7pm"  # added to every other search: free times in its results
AVAILABILITY_ROUTE = "/venues/{compositeId}/availability"
BUDGET = Settings.model_fields["search_times_budget"].default  # live calls a minute


async def run(ctx: BenchContext) -> ScenarioResult:
    result = ScenarioResult(NAME)
    seconds = 6.0 if ctx.quick else 60.0
    app = await ctx.start_app("search")
    sandbox_ctl, fake_ctl = ctx.sandbox_ctl, ctx.fake_ctl
    try:
        await sandbox_ctl.knobs(latency_ms=SANDBOX_LATENCY_MS)
        limit = int((await sandbox_ctl.state())["knobs"]["rate_limit"])
        users = user_ids(USERS)
        chooser = random.Random(11)
        plan = [
            (users[i % USERS], chooser.choice(QUERIES) + (WHEN if i % 2 else ""))
            for i in range(SEARCHES)
        ]
        chooser.shuffle(plan)
        minted = await mint(fake_ctl, users, SEARCHES // USERS + 1, triggers=False)
        builder = TrafficBuilder()
        signed = [builder.search(text, user, *minted.take(user)) for user, text in plan]
        _, calls_before = await sandbox_ctl.counters()
        ctx.say(f"search: {SEARCHES} searches from {USERS} users over {seconds:g} s")
        run_result = await open_loop(
            ctx.session, to_target(signed, f"{app.url}/slack/events"), SEARCHES / seconds
        )
        answers = await _final_answers(fake_ctl, expected=SEARCHES, within=90.0)
        fell_back = await _times_filled(fake_ctl, within=60.0)
        _, calls_after = await sandbox_ctl.counters()
        availability_calls = await _availability_calls(ctx, app.url)
        per_user = collections.Counter(user for user, _ in plan)
        errors = _users_with_errors(answers, per_user)
        bookable_calls = calls_after - calls_before
        result.metrics += [
            Metric(
                "search: users who saw an error",
                float(len(errors)), None, "users", "0", not errors and not run_result.failures(),
                f"{SEARCHES} searches, {USERS} users, {len(set(t for _, t in plan))} distinct "
                f"queries in {seconds:g} s; sandbox limit {limit}/min, "
                f"{SANDBOX_LATENCY_MS} ms per call",
            ),
            Metric(
                "search: Bookable calls", float(bookable_calls), float(SEARCHES), "calls",
                f"<= {limit}/min limit", None,
                "baseline: one call per search (no cache, no coalescing)",
            ),
            Metric(
                "search: availability calls per search", availability_calls / SEARCHES,
                None, "calls/search", f"<= {BUDGET}/min budget, 0 users saw an error",
                not errors and availability_calls <= BUDGET * (math.ceil(seconds / 60) + 1),
                f"{availability_calls} live availability calls for {SEARCHES} searches, half "
                f"with `{WHEN.strip()}`; {fell_back} of those results showed Book buttons "
                f"(budget spent: times load in the modal); {len(errors)} users saw an error",
            ),
        ]  # fmt: skip
        result.details = {
            "acks": run_result.status_counts(),
            "ack_p99_ms": round(run_result.percentile_ms(99), 2),
            "answers": len([a for answer in answers.values() for a in answer]),
            "users_with_errors": sorted(errors)[:20],
            "error_texts": _samples(answers),
            "bookable_calls": bookable_calls,
            "availability_calls": availability_calls,
        }
        return result
    finally:
        ctx.harness.stop(app)


async def _final_answers(
    fake: FakeSlackControl, *, expected: int, within: float
) -> dict[str, list[str]]:
    """Texts of the messages each user was shown in the channel, once all have arrived."""
    deadline = time.monotonic() + within
    by_user: dict[str, list[str]] = {}
    while time.monotonic() < deadline:
        by_user = collections.defaultdict(list)
        for message in await fake.messages(CHANNEL):
            if message.get("ephemeral_to"):
                by_user[message["ephemeral_to"]].append(str(message.get("text") or ""))
        if sum(len(texts) for texts in by_user.values()) >= expected:
            break
        await asyncio.sleep(0.5)
    return dict(by_user)


async def _times_filled(fake: FakeSlackControl, *, within: float) -> int:
    """Wait until no results message still says its free times are loading; return how
    many results fell back to Book buttons ("times load in the modal")."""
    deadline = time.monotonic() + within
    while True:
        blocks = [json.dumps(m.get("blocks") or []) for m in await fake.messages(CHANNEL)]
        if time.monotonic() > deadline or not any(TIMES_LOADING_BLOCK in b for b in blocks):
            return sum(TIMES_IN_MODAL in b for b in blocks)
        await asyncio.sleep(0.5)


async def _availability_calls(ctx: BenchContext, app_url: str) -> int:
    """Live availability calls the app made (`bookable_api_calls_total`, every status)."""
    async with ctx.session.get(f"{app_url}/metrics") as response:
        text = await response.text()
    return int(
        sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "bookable_api_calls_total"
            and sample.labels.get("route") == AVAILABILITY_ROUTE
        )
    )


def _users_with_errors(
    answers: dict[str, list[str]], searches: collections.Counter[str]
) -> set[str]:
    failed = set()
    for user, count in searches.items():
        texts = answers.get(user, [])
        if len(texts) < count or any(not t.startswith(RESULT_PREFIXES) for t in texts):
            failed.add(user)
    return failed


def _samples(answers: dict[str, list[str]]) -> list[str]:
    odd = {
        t[:160] for texts in answers.values() for t in texts if not t.startswith(RESULT_PREFIXES)
    }
    return sorted(odd)[:5]
