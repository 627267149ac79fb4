"""What the app delivered: search results that reached the fake Slack through response_url,
and the work it shed (from its own `GET /metrics`).
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bench.controls import FakeSlackControl
from bench.harness import Service

# How the app's search answers start (a results page, or an honest empty one).
RESULT_PREFIXES = ("Venues", "No venues found")
RESPONSE_URL = "response_url"  # how the fake Slack records response_url posts
SHED_SAMPLE = "bookable_followups_shed_total"


async def delivered_searches(
    fake: FakeSlackControl, since: int, *, between: tuple[float, float] | None = None
) -> int:
    """Search results posted to a response_url (and accepted) from call index `since` on;
    with `between` (wall-clock seconds), only those that arrived in that window."""
    calls, _ = await fake.calls(method=RESPONSE_URL, since=since)
    count = 0
    for call in calls:
        text = str((call.get("args") or {}).get("text") or "")
        if call.get("http_status") != 200 or not text.startswith(RESULT_PREFIXES):
            continue
        if between is None or between[0] <= float(call["at"]) <= between[1]:
            count += 1
    return count


async def wait_settled(fake: FakeSlackControl, *, quiet: float, within: float = 60.0) -> bool:
    """Wait until the fake Slack got no call for `quiet` seconds: the follow-ups the app
    took are done (`quiet` must exceed the slowest single step of one, e.g. a Bookable
    call)."""
    deadline = time.monotonic() + within
    last = await fake.call_index()
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        now = await fake.call_index()
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            return True
    return False


async def shed_total(session: aiohttp.ClientSession, app: Service) -> float | None:
    """`bookable_followups_shed_total` from the app's /metrics (None if it has none)."""
    async with session.get(f"{app.url}/metrics") as response:
        if response.status != 200:
            return None
        text = await response.text()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == SHED_SAMPLE:
                return float(sample.value)
    return None
