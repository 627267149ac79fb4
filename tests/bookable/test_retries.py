"""Retry rules against the real sandbox: 401 refresh, 429 waits, 5xx backoff, no retry of N."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from bot.bookable.client import RetryPolicy
from bot.bookable.errors import BookableProblem, RateLimited, ServerError, Unauthorized
from bot.bookable.models import VenueQuery
from bot.devtools.serving import BackgroundServer

from .conftest import ClientFactory
from .support import Sandbox, sandbox_config


class SandboxTime:
    """The client's sleep and wall clock, driven through the sandbox clock.

    A 429 asks the client to wait for the sandbox's rate window to reset; "sleeping" moves
    the sandbox clock instead, so the retry really lands in the next window without a
    minute of real waiting.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.offset = 0.0  # the sandbox fixture resets its clock for each test
        self.waits: list[float] = []

    def wall_clock(self) -> float:
        return time.time() + self.offset

    async def start_of_window(self) -> None:
        """Move to 1 s into a rate window, so a test never straddles two windows."""
        await self.sleep(60 - self.wall_clock() % 60 + 1)
        self.waits.clear()

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.offset += seconds
        async with httpx.AsyncClient() as http:
            await http.post(f"{self.sandbox.url}/_control/clock", json={"advance": seconds})


@pytest.fixture
def sandbox_time(sandbox: Sandbox) -> SandboxTime:
    return SandboxTime(sandbox)


@pytest.fixture(scope="module")
def other_sandbox() -> Iterator[Sandbox]:
    """A second sandbox whose tokens the first one has never issued."""
    from bot.sandbox import SandboxState, create_sandbox_app

    with BackgroundServer(create_sandbox_app(SandboxState(sandbox_config()))) as server:
        yield Sandbox(server)


# --- 401 ----------------------------------------------------------------------------------


async def test_a_revoked_token_is_refreshed_once_and_the_call_retried(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    client = await make_client(sandbox.url, sandbox.auth_url)
    await client.search_venues(VenueQuery())
    sandbox.revoke_tokens()

    result = await client.search_venues(VenueQuery())

    assert result.status_code == 200
    assert sandbox.tokens_issued() == 2
    assert sandbox.api_requests() == 3  # first call, the 401, the retry


async def test_a_second_401_raises_unauthorized(
    sandbox: Sandbox, other_sandbox: Sandbox, make_client: ClientFactory
) -> None:
    other_sandbox.control("POST", "reset")
    # Tokens come from another issuer, so the API refuses even a fresh one.
    client = await make_client(sandbox.url, other_sandbox.auth_url)
    with pytest.raises(Unauthorized) as caught:
        await client.search_venues(VenueQuery(), correlation_id="cid-401")
    assert caught.value.status == 401
    assert caught.value.correlation_id == "cid-401"
    assert other_sandbox.tokens_issued() == 2  # the first token, and one refresh
    assert sandbox.api_requests() == 2  # one retry, no more


# --- 429 ----------------------------------------------------------------------------------


async def test_a_429_is_waited_out_until_the_window_resets(
    sandbox: Sandbox, sandbox_time: SandboxTime, make_client: ClientFactory
) -> None:
    sandbox.knobs(rate_limit=2)
    await sandbox_time.start_of_window()
    client = await make_client(
        sandbox.url,
        sandbox.auth_url,
        retry=RetryPolicy(max_retries=3, max_total_wait=120.0),
        sleep=sandbox_time.sleep,
        wall_clock=sandbox_time.wall_clock,
    )
    await client.search_venues(VenueQuery())
    await client.search_venues(VenueQuery())
    next_window = (sandbox_time.wall_clock() // 60 + 1) * 60

    result = await client.search_venues(VenueQuery())  # this window is used up

    assert result.status_code == 200
    assert sandbox.api_requests() == 4  # two, the 429, the retry in the next window
    assert len(sandbox_time.waits) == 1
    assert 55 < sandbox_time.waits[0] <= 60  # X-RateLimit-Reset minus now
    assert float(sandbox.state()["now_epoch"]) >= next_window


async def test_forced_429s_are_retried_a_bounded_number_of_times(
    sandbox: Sandbox, sandbox_time: SandboxTime, make_client: ClientFactory
) -> None:
    sandbox.knobs(rate_limit_next=10)
    client = await make_client(
        sandbox.url,
        sandbox.auth_url,
        retry=RetryPolicy(max_retries=2, max_total_wait=1_000.0),
        sleep=sandbox_time.sleep,
        wall_clock=sandbox_time.wall_clock,
    )
    with pytest.raises(RateLimited) as caught:
        await client.search_venues(VenueQuery(), correlation_id="cid-429")
    assert sandbox.api_requests() == 3  # the first try and two retries
    assert caught.value.code == "RATE-R-001"
    assert caught.value.correlation_id == "cid-429"
    assert caught.value.retry_after is not None


async def test_a_429_longer_than_the_wait_bound_is_raised_at_once(
    sandbox: Sandbox, sandbox_time: SandboxTime, make_client: ClientFactory
) -> None:
    sandbox.knobs(rate_limit_next=1)
    await sandbox_time.start_of_window()  # the reset is about 59 s away: beyond a 10 s bound
    client = await make_client(
        sandbox.url,
        sandbox.auth_url,
        retry=RetryPolicy(max_retries=3, max_total_wait=10.0),
        sleep=sandbox_time.sleep,
        wall_clock=sandbox_time.wall_clock,
    )
    with pytest.raises(RateLimited) as caught:
        await client.search_venues(VenueQuery())
    assert sandbox.api_requests() == 1
    assert sandbox_time.waits == []
    assert caught.value.retry_after is not None
    assert 50 < caught.value.retry_after <= 60


# --- 5xx and non-retryable problems ---------------------------------------------------------


async def test_a_retryable_5xx_is_retried_and_succeeds(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    client = await make_client(sandbox.url, sandbox.auth_url)
    sandbox.knobs(fail_next={"count": 2, "status": 503})
    result = await client.search_venues(VenueQuery())
    assert result.status_code == 200
    assert sandbox.api_requests() == 3


async def test_exhausted_5xx_retries_raise_server_error(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    client = await make_client(sandbox.url, sandbox.auth_url)
    sandbox.knobs(fail_next={"count": 10, "status": 500})
    with pytest.raises(ServerError) as caught:
        await client.search_venues(VenueQuery(), correlation_id="cid-5xx")
    assert sandbox.api_requests() == 4  # the first try and FAST_RETRY's three retries
    assert caught.value.status == 500
    assert caught.value.correlation_id == "cid-5xx"


async def test_backoff_respects_the_total_wait_bound(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    bounded = RetryPolicy(max_retries=10, max_total_wait=3.0, backoff_base=1.0, backoff_cap=8.0)
    client = await make_client(sandbox.url, sandbox.auth_url, retry=bounded, sleep=record)
    sandbox.knobs(fail_next={"count": 20, "status": 502})
    with pytest.raises(ServerError):
        await client.search_venues(VenueQuery())
    assert sum(waits) <= 3.0
    assert sandbox.api_requests() == len(waits) + 1


async def test_a_non_retryable_problem_is_raised_at_once(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    client = await make_client(sandbox.url, sandbox.auth_url)
    page = await client.search_venues(VenueQuery(venue_name="Hawksmoor Guildhall"))
    product = page.data.data[0].products[0]
    saturday = date.today() + timedelta(days=(5 - date.today().weekday()) % 7 + 7)
    before = sandbox.api_requests()

    with pytest.raises(BookableProblem) as caught:
        await client.availability(product.composite_id, date=saturday, party_size=2)

    assert sandbox.api_requests() == before + 1
    assert caught.value.is_retryable is False
    assert caught.value.code == "AVAIL-N-004"
