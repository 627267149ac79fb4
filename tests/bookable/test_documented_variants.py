"""Bookable answers the docs allow but the sandbox used not to send (issue 9, item 8):
ProblemDetails without `code` or `isRetryable`, a 429 without `X-RateLimit-Reset`.
Against the real sandbox, each variant turned on by its knob."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.bookable.client import RetryPolicy
from bot.bookable.errors import BookableProblem, RateLimited, ServerError
from bot.bookable.models import VenueQuery

from .conftest import ClientFactory
from .support import FAST_RETRY, Sandbox


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 507])
async def test_a_5xx_without_code_or_flag_is_retried(
    sandbox: Sandbox, make_client: ClientFactory, status: int
) -> None:
    sandbox.knobs(problem_minimal=True, fail_next={"count": 1, "status": status})
    client = await make_client(sandbox.url, sandbox.auth_url)

    result = await client.search_venues(VenueQuery())

    assert result.status_code == 200
    assert sandbox.api_requests() == 2


async def test_exhausted_retries_keep_the_inferred_retryability(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    sandbox.knobs(problem_minimal=True, fail_next={"count": 10, "status": 500})
    client = await make_client(sandbox.url, sandbox.auth_url)

    with pytest.raises(ServerError) as caught:
        await client.search_venues(VenueQuery())

    assert caught.value.code is None
    assert caught.value.is_retryable is True


async def test_a_4xx_without_code_or_flag_is_not_retried(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    sandbox.knobs(problem_minimal=True)
    client = await make_client(sandbox.url, sandbox.auth_url)
    page = await client.search_venues(VenueQuery(venue_name="Hawksmoor Guildhall"))
    product = page.data.data[0].products[0]
    saturday = date.today() + timedelta(days=(5 - date.today().weekday()) % 7 + 7)
    before = sandbox.api_requests()

    with pytest.raises(BookableProblem) as caught:
        await client.availability(product.composite_id, date=saturday, party_size=2)

    assert sandbox.api_requests() == before + 1
    assert (caught.value.status, caught.value.code) == (422, None)
    assert caught.value.is_retryable is False
    assert caught.value.detail and "closed" in caught.value.detail


@pytest.mark.parametrize(
    ("retry_after", "expected_wait"),
    [(True, None), (False, FAST_RETRY.rate_limit_default_wait)],
    ids=["Retry-After", "no header at all"],
)
async def test_a_429_without_the_reset_header_is_waited_out(
    sandbox: Sandbox,
    make_client: ClientFactory,
    retry_after: bool,
    expected_wait: float | None,
) -> None:
    sandbox.knobs(rate_limit_reset_header=False, retry_after_header=retry_after, rate_limit_next=1)
    sleeps = Sleeps()
    client = await make_client(
        sandbox.url,
        sandbox.auth_url,
        retry=RetryPolicy(max_retries=3, max_total_wait=120.0),
        sleep=sleeps,
    )

    result = await client.search_venues(VenueQuery())

    assert result.status_code == 200
    assert sandbox.api_requests() == 2
    [wait] = sleeps.waits
    if expected_wait is None:
        assert 1 <= wait <= 60  # the sandbox's Retry-After: the rest of its window
    else:
        assert wait == expected_wait  # a bounded default


async def test_a_429_without_the_reset_header_that_outlasts_the_bound(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    sandbox.knobs(rate_limit_reset_header=False, rate_limit_next=10)
    client = await make_client(sandbox.url, sandbox.auth_url, sleep=Sleeps())

    with pytest.raises(RateLimited) as caught:
        await client.search_venues(VenueQuery())

    assert caught.value.retry_after == FAST_RETRY.rate_limit_default_wait
