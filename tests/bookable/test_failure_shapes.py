"""Answers the sandbox cannot produce (malformed bodies, odd ProblemDetails), via respx.

Everything else runs against the real sandbox in the other test files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
import respx

from bot.bookable.errors import (
    BookableProblem,
    Conflict,
    RateLimited,
    ResponseFormatError,
    ServerError,
    TokenError,
    TransportError,
)
from bot.bookable.models import BookingRequest, SlotType

from .conftest import ClientFactory
from .support import CLIENT_SECRET, FAST_RETRY

API = "https://api.test"
AUTH = "https://auth.test/oauth/token"
TOKEN = {"access_token": "tok-abcdef-123456", "expires_in": 3600, "token_type": "Bearer"}
VENUE_ID = "29|CO|275cc44dd2e2496fba44857c9257443a"
PROBLEM = {"content-type": "application/problem+json"}


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.post(AUTH).respond(200, json=TOKEN)
        yield router


def booking_request() -> BookingRequest:
    return BookingRequest(
        firstName="Ada",
        lastName="Lovelace",
        email="ada@example.com",
        phone="+441234567890",
        partySize=2,
        date=date(2030, 1, 1),
        time="19:00",
        type=SlotType.BOOK,
    )


def problem(status: int, code: str, *, retryable: bool | None) -> dict[str, object]:
    body: dict[str, object] = {"title": "Boom", "status": status, "code": code, "detail": "x"}
    if retryable is not None:
        body["isRetryable"] = retryable
    return body


# --- token endpoint -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"{not json"),
        (200, b'["a list"]'),
        (200, b'{"access_token": "tok-abcdef", "token_type": "Bearer"}'),  # no expires_in
        (200, b'{"expires_in": 3600}'),  # no token
        (200, b'{"access_token": "tok-abcdef", "expires_in": "soon"}'),
        (502, b"<html>bad gateway</html>"),
    ],
)
async def test_malformed_token_answers_raise_token_error(
    make_client: ClientFactory, status: int, body: bytes
) -> None:
    with respx.mock() as router:
        router.post(AUTH).respond(status, content=body)
        client = await make_client(API, AUTH)
        with pytest.raises(TokenError) as caught:
            await client.get_venue(VENUE_ID, correlation_id="cid-token")
    assert caught.value.status == status
    assert caught.value.correlation_id == "cid-token"
    assert client.tokens.requests_made == 1


async def test_auth0_error_text_is_kept_but_an_echoed_secret_is_not(
    make_client: ClientFactory,
) -> None:
    with respx.mock() as router:
        router.post(AUTH).respond(
            403,
            json={
                "error": "access_denied",
                "error_description": f"Unauthorized client_secret={CLIENT_SECRET}",
            },
        )
        client = await make_client(API, AUTH)
        with pytest.raises(TokenError) as caught:
            await client.tokens.token()
    error = caught.value
    assert (error.status, error.error) == (403, "access_denied")
    assert error.error_description is not None
    assert error.error_description.startswith("Unauthorized")
    assert "access_denied" in str(error)
    assert CLIENT_SECRET not in str(error) + repr(error) + error.error_description


async def test_token_body_follows_the_documented_shape(make_client: ClientFactory) -> None:
    with respx.mock() as router:
        route = router.post(AUTH).respond(200, json=TOKEN)
        client = await make_client(API, AUTH)
        assert await client.tokens.token() == TOKEN["access_token"]
    sent = route.calls.last.request
    assert sent.headers["content-type"] == "application/json"
    assert json.loads(sent.content) == {
        "grant_type": "client_credentials",
        "client_id": "test-client-7f3a",
        "client_secret": CLIENT_SECRET,
        "audience": "api.bookabletech.com",
    }


# --- API answers --------------------------------------------------------------------------


async def test_a_5xx_that_says_not_retryable_is_raised_at_once(
    api: respx.MockRouter, make_client: ClientFactory
) -> None:
    route = api.get(url__startswith=f"{API}/venues/").respond(
        500, json=problem(500, "FAULT-X-001", retryable=False), headers=PROBLEM
    )
    client = await make_client(API, AUTH)
    with pytest.raises(ServerError) as caught:
        await client.get_venue(VENUE_ID)
    assert route.call_count == 1
    assert caught.value.is_retryable is False
    assert caught.value.code == "FAULT-X-001"


async def test_an_n_code_is_not_retried_even_on_503(
    api: respx.MockRouter, make_client: ClientFactory
) -> None:
    route = api.get(url__startswith=f"{API}/venues/").respond(
        503, json=problem(503, "AVAIL-N-002", retryable=None), headers=PROBLEM
    )
    client = await make_client(API, AUTH)
    with pytest.raises(ServerError) as caught:
        await client.get_venue(VENUE_ID)
    assert route.call_count == 1
    assert caught.value.is_retryable is False


async def test_a_4xx_that_says_retryable_is_retried(
    api: respx.MockRouter, make_client: ClientFactory
) -> None:
    route = api.get(url__startswith=f"{API}/venues/").mock(
        side_effect=[
            httpx.Response(409, json=problem(409, "BOOK-R-009", retryable=True), headers=PROBLEM),
            httpx.Response(200, json={"name": "Dishoom"}),
        ]
    )
    client = await make_client(API, AUTH)
    result = await client.get_venue(VENUE_ID)
    assert result.data.name == "Dishoom"
    assert route.call_count == 2


async def test_conflict_keeps_problem_fields(
    api: respx.MockRouter, make_client: ClientFactory
) -> None:
    api.post(url__startswith=f"{API}/venues/").respond(
        422, json=problem(422, "BOOK-N-001", retryable=False), headers=PROBLEM
    )
    client = await make_client(API, AUTH)
    with pytest.raises(Conflict) as caught:
        await client.create_booking(VENUE_ID, booking_request(), correlation_id="cid-1")
    assert (caught.value.code, caught.value.detail, caught.value.title) == (
        "BOOK-N-001",
        "x",
        "Boom",
    )
    assert caught.value.correlation_id == "cid-1"
    assert "cid-1" in str(caught.value)


async def test_plain_5xx_on_create_is_not_resent(
    api: respx.MockRouter, make_client: ClientFactory
) -> None:
    """A bare 500 after a POST may hide a booking that was made: raise, never resend."""
    route = api.post(url__startswith=f"{API}/venues/").respond(500, text="oops")
    client = await make_client(API, AUTH)
    with pytest.raises(ServerError):
        await client.create_booking(VENUE_ID, booking_request())
    assert route.call_count == 1


async def test_create_is_not_resent_after_a_read_timeout(
    api: respx.MockRouter, make_client: ClientFactory
) -> None:
    route = api.post(url__startswith=f"{API}/venues/").mock(side_effect=httpx.ReadTimeout("slow"))
    client = await make_client(API, AUTH)
    with pytest.raises(TransportError) as caught:
        await client.create_booking(VENUE_ID, booking_request(), correlation_id="cid-t")
    assert route.call_count == 1
    assert caught.value.correlation_id == "cid-t"
    assert "timed out" in str(caught.value)


async def test_get_is_retried_after_a_read_timeout(
    api: respx.MockRouter, make_client: ClientFactory
) -> None:
    route = api.get(url__startswith=f"{API}/venues/").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json={"name": "Dishoom"})]
    )
    client = await make_client(API, AUTH)
    assert (await client.get_venue(VENUE_ID)).data.name == "Dishoom"
    assert route.call_count == 2


async def test_get_timeouts_are_bounded(api: respx.MockRouter, make_client: ClientFactory) -> None:
    route = api.get(url__startswith=f"{API}/venues/").mock(side_effect=httpx.ReadTimeout("slow"))
    client = await make_client(API, AUTH)
    with pytest.raises(TransportError):
        await client.get_venue(VENUE_ID)
    assert route.call_count == 1 + 3  # the first try plus FAST_RETRY.max_retries


@pytest.mark.parametrize(
    "body",
    [b"<html>", b'{"times": "not a list"}', b'{"times": [{"duration": 5}]}'],
)
async def test_unparseable_bodies_raise_response_format_error(
    api: respx.MockRouter, make_client: ClientFactory, body: bytes
) -> None:
    api.get(url__startswith=f"{API}/venues/").respond(200, content=body)
    client = await make_client(API, AUTH)
    with pytest.raises(ResponseFormatError) as caught:
        await client.availability(
            VENUE_ID, date=date(2030, 1, 1), party_size=2, correlation_id="cid-f"
        )
    assert caught.value.correlation_id == "cid-f"


async def test_venue_in_a_data_wrapper_is_accepted(
    api: respx.MockRouter, make_client: ClientFactory
) -> None:
    api.get(url__startswith=f"{API}/venues/").respond(200, json={"data": {"name": "Hawksmoor"}})
    client = await make_client(API, AUTH)
    assert (await client.get_venue(VENUE_ID)).data.name == "Hawksmoor"


async def test_429_without_reset_falls_back_to_retry_after(
    api: respx.MockRouter, make_client: ClientFactory
) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    api.get(url__startswith=f"{API}/venues/").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(429),
            httpx.Response(200, json={"name": "Dishoom"}),
        ]
    )
    client = await make_client(API, AUTH, sleep=record)
    assert (await client.get_venue(VENUE_ID)).data.name == "Dishoom"
    assert waits == [2.0, FAST_RETRY.rate_limit_default_wait]


async def test_429_with_a_long_wait_is_raised_at_once(
    api: respx.MockRouter, make_client: ClientFactory
) -> None:
    route = api.get(url__startswith=f"{API}/venues/").respond(
        429,
        json=problem(429, "RATE-R-001", retryable=True),
        headers={**PROBLEM, "Retry-After": "600"},
    )
    client = await make_client(API, AUTH)
    with pytest.raises(RateLimited) as caught:
        await client.get_venue(VENUE_ID)
    assert route.call_count == 1
    assert caught.value.retry_after == 600.0
    assert isinstance(caught.value, BookableProblem)
