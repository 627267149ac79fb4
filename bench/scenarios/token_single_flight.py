"""Token single flight: 1,000 (quick: 200) concurrent Bookable calls on a cold token cache,
then as many more once the cached token is inside its refresh margin; count token requests.

Ours: one `BookableClient` + `TokenProvider` (the app's classes) in this process, against
the sandbox subprocess. The provider gets a hand-moved clock so "inside the refresh margin"
happens on cue while the sandbox still accepts the old token.
Baseline: the cache from Bookable's guide (check the expiry, else fetch; no lock) shared by
1,000 threads, each making one call with httpx, started together.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from pydantic import SecretStr

from bench.context import BenchContext
from bench.controls import SandboxControl
from bench.harness import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, Service
from bench.report import Metric, ScenarioResult
from bot.bookable.auth import TokenProvider
from bot.bookable.client import BookableClient
from bot.bookable.models import VenueQuery

NAME = "token single flight"
FULL_CALLS = 1000
QUICK_CALLS = 200
AUDIENCE = "api.bookabletech.com"
REFRESH_MARGIN = 60.0  # Bookable's guidance, and the app's default
QUERY = VenueQuery(venueName="dishoom", size=5)


class ManualClock:
    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class GuideTokenCache:
    """Bookable's guide: cache the token, fetch a new one when ~60 s from expiry."""

    def __init__(self, http: httpx.Client, auth_url: str, clock: Callable[[], float]) -> None:
        self.http, self.auth_url, self.clock = http, auth_url, clock
        self.token: str | None = None
        self.expires_at = 0.0

    def get(self) -> str:
        if self.token is None or self.clock() >= self.expires_at - REFRESH_MARGIN:
            response = self.http.post(
                self.auth_url,
                json={
                    "grant_type": "client_credentials",
                    "client_id": SANDBOX_CLIENT_ID,
                    "client_secret": SANDBOX_CLIENT_SECRET,
                    "audience": AUDIENCE,
                },
            )
            response.raise_for_status()
            body = response.json()
            self.token = str(body["access_token"])
            self.expires_at = self.clock() + float(body["expires_in"])
        return self.token


async def run(ctx: BenchContext) -> ScenarioResult:
    result = ScenarioResult(NAME)
    calls = QUICK_CALLS if ctx.quick else FULL_CALLS
    sandbox, control = ctx.sandbox, ctx.sandbox_ctl
    await control.knobs(rate_limit=1_000_000)
    ctx.say(f"token: {calls} concurrent calls through our client, cold then refreshing")
    ours = await _ours(sandbox, control, calls)
    ctx.say(f"token: {calls} threads through the guide's cache, cold then refreshing")
    guide = await _guide(sandbox, control, calls)
    result.details = {"ours": ours, "guide_cache": guide}
    for phase, label in (("cold", "cold cache"), ("refresh", "refresh boundary")):
        mine, theirs = ours[phase], guide[phase]
        result.metrics.append(
            Metric(
                f"token requests, {calls} calls, {label}",
                mine["token_requests"],
                theirs["token_requests"],
                "count",
                "exactly 1",
                mine["token_requests"] == 1 and mine["failed"] == 0,
                f"failed calls: ours {mine['failed']}, guide {theirs['failed']}",
            )
        )
    return result


async def _tokens_issued(control: SandboxControl) -> int:
    return (await control.counters())[0]


async def _ours(sandbox: Service, control: SandboxControl, calls: int) -> dict[str, Any]:
    clock = ManualClock()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    http = httpx.AsyncClient(base_url=sandbox.url, timeout=60.0, limits=limits, trust_env=False)
    tokens = TokenProvider(
        http=http,
        auth_url=f"{sandbox.url}/oauth/token",
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SecretStr(SANDBOX_CLIENT_SECRET),
        audience=AUDIENCE,
        refresh_margin=REFRESH_MARGIN,
        clock=clock,
    )
    client = BookableClient(http=http, tokens=tokens)
    phases: dict[str, Any] = {}
    try:
        for phase in ("cold", "refresh"):
            if phase == "refresh":
                # 3600 s tokens: one second inside the margin, still valid at the sandbox.
                clock.advance(3600 - REFRESH_MARGIN + 1)
            before = await _tokens_issued(control)
            started = time.perf_counter()
            outcomes = await asyncio.gather(
                *(client.search_venues(QUERY) for _ in range(calls)), return_exceptions=True
            )
            phases[phase] = {
                "token_requests": await _tokens_issued(control) - before,
                "failed": sum(isinstance(o, BaseException) for o in outcomes),
                "seconds": round(time.perf_counter() - started, 2),
                "provider_requests_made": tokens.requests_made,
            }
    finally:
        await client.aclose()
    return phases


async def _guide(sandbox: Service, control: SandboxControl, calls: int) -> dict[str, Any]:
    clock = ManualClock()
    limits = httpx.Limits(max_connections=calls, max_keepalive_connections=100)
    phases: dict[str, Any] = {}
    with httpx.Client(timeout=60.0, limits=limits, trust_env=False) as http:
        cache = GuideTokenCache(http, f"{sandbox.url}/oauth/token", clock)
        for phase in ("cold", "refresh"):
            if phase == "refresh":
                clock.advance(3600 - REFRESH_MARGIN + 1)
            before = await _tokens_issued(control)
            started = time.perf_counter()
            failed = await asyncio.to_thread(_threaded_calls, http, cache, sandbox.url, calls)
            phases[phase] = {
                "token_requests": await _tokens_issued(control) - before,
                "failed": failed,
                "seconds": round(time.perf_counter() - started, 2),
            }
    return phases


def _threaded_calls(http: httpx.Client, cache: GuideTokenCache, base_url: str, calls: int) -> int:
    """`calls` threads released together, each: token from the cache, then one API call."""
    start = threading.Barrier(calls, timeout=60)

    def call() -> bool:
        start.wait()
        try:
            token = cache.get()
            response = http.get(
                f"{base_url}/venues",
                params=QUERY.to_params(),
                headers={"Authorization": f"Bearer {token}"},
            )
            return response.is_success
        except (httpx.HTTPError, KeyError, ValueError):
            return False

    with ThreadPoolExecutor(max_workers=calls) as pool:
        results = list(pool.map(lambda _: call(), range(calls)))
    return sum(not ok for ok in results)
