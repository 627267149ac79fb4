"""Token fetches are counted: every request, and those that gave no token."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from bot.bookable.errors import TokenError
from bot.bookable.models import VenueQuery

from .conftest import ClientFactory
from .support import Sandbox


def counted() -> tuple[float, float]:
    requests = REGISTRY.get_sample_value("bookable_token_requests_total") or 0.0
    failures = REGISTRY.get_sample_value("bookable_token_failures_total") or 0.0
    return requests, failures


async def test_token_requests_and_failures_are_counted(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    client = await make_client(sandbox.url, sandbox.auth_url)
    requests, failures = counted()

    sandbox.knobs(token_failure=503)
    with pytest.raises(TokenError):
        await client.get_venue("v-1")
    assert counted() == (requests + 1, failures + 1)

    sandbox.knobs(token_failure=None)
    await client.search_venues(VenueQuery())
    await client.search_venues(VenueQuery())  # the cached token: no request
    assert counted() == (requests + 2, failures + 1)
