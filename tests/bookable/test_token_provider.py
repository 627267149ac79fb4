"""TokenProvider against the real sandbox: single flight, refresh margin, invalidation."""

from __future__ import annotations

import asyncio

from bot.bookable.client import BookableClient
from bot.bookable.models import VenueQuery

from .conftest import ClientFactory
from .support import FakeClock, Sandbox

BURST = 500


async def burst(client: BookableClient, count: int) -> None:
    query = VenueQuery(size=1)
    results = await asyncio.gather(*(client.search_venues(query) for _ in range(count)))
    assert all(result.status_code == 200 for result in results)


async def test_a_cold_burst_makes_exactly_one_token_request(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    sandbox.knobs(rate_limit=10_000)
    client = await make_client(sandbox.url, sandbox.auth_url)

    await burst(client, BURST)

    assert sandbox.tokens_issued() == 1
    assert client.tokens.requests_made == 1
    assert sandbox.api_requests() == BURST


async def test_refresh_happens_once_when_less_than_the_margin_remains(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    sandbox.knobs(rate_limit=10_000, token_ttl=120)
    clock = FakeClock()
    client = await make_client(sandbox.url, sandbox.auth_url, clock=clock, refresh_margin=60)
    await burst(client, 100)
    assert sandbox.tokens_issued() == 1

    # 61 s remain: still more than the margin, keep the token.
    clock.advance(59)
    sandbox.advance(59)
    await burst(client, 100)
    assert sandbox.tokens_issued() == 1

    # 59 s remain: one refresh for the whole burst.
    clock.advance(2)
    sandbox.advance(2)
    await burst(client, 200)
    assert sandbox.tokens_issued() == 2
    assert client.tokens.requests_made == 2

    # The new token's lifetime comes from its own expires_in, counted from its fetch.
    clock.advance(59)
    sandbox.advance(59)
    await burst(client, 50)
    assert sandbox.tokens_issued() == 2


async def test_lifetime_follows_expires_in(sandbox: Sandbox, make_client: ClientFactory) -> None:
    """Not a constant: a 600 s token is kept where a 120 s token would be refreshed."""
    sandbox.knobs(token_ttl=600)
    clock = FakeClock()
    client = await make_client(sandbox.url, sandbox.auth_url, clock=clock)
    first = await client.tokens.token()
    clock.advance(500)  # 100 s left
    assert await client.tokens.token() == first
    clock.advance(41)  # 59 s left
    assert await client.tokens.token() != first
    assert sandbox.tokens_issued() == 2


async def test_invalidate_drops_only_the_current_token(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    client = await make_client(sandbox.url, sandbox.auth_url)
    old = await client.tokens.token()
    client.tokens.invalidate("some-other-token")
    assert await client.tokens.token() == old
    client.tokens.invalidate(old)
    new = await client.tokens.token()
    assert new != old
    client.tokens.invalidate(old)  # a late 401 for the old token changes nothing
    assert await client.tokens.token() == new
    assert sandbox.tokens_issued() == 2


async def test_many_concurrent_401s_cause_one_refresh(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    client = await make_client(sandbox.url, sandbox.auth_url)
    await client.tokens.token()
    sandbox.revoke_tokens()

    await burst(client, 50)

    assert sandbox.tokens_issued() == 2
    assert sandbox.api_requests() == 100  # every call: one 401, one retry


async def test_a_failed_fetch_is_shared_and_the_next_call_tries_again(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    sandbox.knobs(token_failure=503)
    client = await make_client(sandbox.url, sandbox.auth_url)
    outcomes = await asyncio.gather(
        *(client.tokens.token() for _ in range(20)), return_exceptions=True
    )
    assert all(isinstance(outcome, Exception) for outcome in outcomes)
    assert sandbox.state()["token_requests"] == 1

    sandbox.knobs(token_failure=None)
    assert await client.tokens.token()
    assert sandbox.tokens_issued() == 1


async def test_a_cancelled_caller_does_not_cancel_the_shared_fetch(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    sandbox.knobs(latency_ms=300)
    client = await make_client(sandbox.url, sandbox.auth_url)
    impatient = asyncio.create_task(client.tokens.token())
    patient = asyncio.create_task(client.tokens.token())
    await asyncio.sleep(0.05)
    impatient.cancel()
    assert await patient
    assert impatient.cancelled()
    assert sandbox.tokens_issued() == 1
