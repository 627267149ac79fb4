"""Every client method against the real sandbox, plus the headers each call carries."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from bot.bookable.client import BookableClient
from bot.bookable.errors import Conflict, NotFound, TransportError
from bot.bookable.models import (
    BookingRequest,
    BookingStatus,
    PatchOp,
    SlotType,
    Venue,
    VenueQuery,
)

from .conftest import ClientFactory
from .support import RecordingTransport, Sandbox, make_settings


@pytest.fixture
def sent() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
async def client(
    sandbox: Sandbox, make_client: ClientFactory, sent: RecordingTransport
) -> BookableClient:
    """A client whose real transport keeps what it sent."""
    return await make_client(sandbox.url, sandbox.auth_url, transport=sent)


def next_weekday(weekday: int = 2) -> date:
    """A date at least a week ahead on `weekday` (0 = Monday): no seeded closures apply."""
    day = date.today() + timedelta(days=7)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


async def dishoom(client: BookableClient) -> Venue:
    page = await client.search_venues(VenueQuery(venue_name="Dishoom Covent"))
    assert page.data.data, "seed venue missing"
    return page.data.data[0]


def guest(slot_time: str, slot_type: SlotType, day: date) -> BookingRequest:
    return BookingRequest(
        firstName="Ada",
        lastName="Lovelace",
        email="ada@example.com",
        phone="+441234567890",
        partySize=2,
        date=day,
        time=slot_time,
        type=slot_type,
        notes="Window seat, please",
    )


def _venue_id(venue: Venue) -> str:
    """The venue part of a product's compositeId (`{n}|{TMS}|{venue}`), with its pipes."""
    return "|".join(venue.products[0].composite_id.split("|")[:3])


async def test_search_get_availability_and_the_booking_lifecycle(client: BookableClient) -> None:
    venue = await dishoom(client)
    assert venue.id is None  # Bookable documents no venue id field
    same = await client.get_venue(_venue_id(venue))
    assert same.data.name == venue.name

    product = venue.products[0]
    day = next_weekday()
    slots = await client.availability(product.composite_id, date=day, party_size=2)
    assert slots.data.times, "a midweek evening should have tables"
    slot = slots.data.times[0]

    created = await client.create_booking(product.composite_id, guest(slot.time, slot.type, day))
    booking = created.data
    assert created.status_code in (200, 201)
    assert booking.status is BookingStatus.CONFIRMED
    assert "|" in booking.id  # composite ids travel percent-encoded and come back intact

    fetched = await client.get_booking(booking.id)
    assert fetched.data.id == booking.id

    patched = await client.patch_booking(
        booking.id,
        [
            PatchOp(op="replace", path="/partySize", value=3),
            PatchOp(op="replace", path="/notes", value="Birthday"),
        ],
    )
    assert (patched.data.party_size, patched.data.notes) == (3, "Birthday")

    cancelled = await client.cancel_booking(booking.id)
    assert cancelled.status_code == 204
    assert cancelled.data is None
    assert (await client.get_booking(booking.id)).data.status is BookingStatus.CANCELLED


async def test_ids_are_percent_encoded_in_paths(
    client: BookableClient, sent: RecordingTransport
) -> None:
    venue = await dishoom(client)
    await client.get_venue(_venue_id(venue))
    raw_path = sent.api()[-1].url.raw_path.decode()
    assert "%7C" in raw_path
    assert "|" not in raw_path


async def test_availability_query_carries_date_party_size_and_time(
    client: BookableClient, sent: RecordingTransport
) -> None:
    venue = await dishoom(client)
    day = next_weekday()
    await client.availability(venue.products[0].composite_id, date=day, party_size=4, time="19:00")
    params = sent.api()[-1].url.params
    assert (params["date"], params["partySize"], params["time"]) == (day.isoformat(), "4", "19:00")


async def test_patch_is_sent_as_json_patch(
    client: BookableClient, sent: RecordingTransport
) -> None:
    with pytest.raises(NotFound):
        await client.patch_booking("29|CO|nope", [PatchOp(op="remove", path="/notes")])
    request = sent.api()[-1]
    assert request.method == "PATCH"
    assert request.headers["content-type"] == "application/json-patch+json"
    assert request.content == b'[{"op": "remove", "path": "/notes"}]'


async def test_webhook_registration_calls(client: BookableClient, sandbox: Sandbox) -> None:
    registered = await client.register_webhook("http://127.0.0.1:9/hooks")
    assert registered.data.secret_key
    assert sandbox.state()["webhook"] == {"callbackUrl": "http://127.0.0.1:9/hooks"}

    updated = await client.update_webhook("http://127.0.0.1:9/other")
    assert updated.data.callback_url == "http://127.0.0.1:9/other"
    assert sandbox.state()["webhook"] == {"callbackUrl": "http://127.0.0.1:9/other"}

    assert (await client.test_webhook()).status_code < 300
    assert (await client.delete_webhook()).status_code < 300
    assert sandbox.state()["webhook"] is None


async def test_correlation_id_is_sent_echoed_and_reported(
    client: BookableClient, sent: RecordingTransport
) -> None:
    result = await client.search_venues(VenueQuery(), correlation_id="slack-req-42")
    assert result.correlation_id == "slack-req-42"
    assert sent.api()[-1].headers["x-correlation-id"] == "slack-req-42"

    generated = await client.search_venues(VenueQuery())
    assert uuid.UUID(generated.correlation_id).version == 4
    assert sent.api()[-1].headers["x-correlation-id"] == generated.correlation_id
    assert generated.rate_limit is not None
    assert generated.rate_limit.limit is not None

    with pytest.raises(NotFound) as caught:
        await client.get_booking("29|CO|missing", correlation_id="slack-req-43")
    assert caught.value.correlation_id == "slack-req-43"
    assert "slack-req-43" in str(caught.value)
    assert caught.value.code


async def test_one_correlation_id_across_retries(
    client: BookableClient, sandbox: Sandbox, sent: RecordingTransport
) -> None:
    sandbox.knobs(fail_next={"count": 2, "status": 503})
    result = await client.search_venues(VenueQuery())
    ids = {request.headers["x-correlation-id"] for request in sent.api()}
    assert len(sent.api()) == 3
    assert ids == {result.correlation_id}


async def test_partner_reference_is_sent_only_when_configured(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    plain_sent, partner_sent = RecordingTransport(), RecordingTransport()
    plain = await make_client(sandbox.url, sandbox.auth_url, transport=plain_sent)
    partner = await make_client(
        sandbox.url, sandbox.auth_url, partner_reference="acme.example", transport=partner_sent
    )
    await plain.search_venues(VenueQuery())
    await partner.search_venues(VenueQuery())
    assert "x-partner-reference" not in plain_sent.api()[-1].headers
    assert partner_sent.api()[-1].headers["x-partner-reference"] == "acme.example"
    assert partner_sent.api()[-1].headers["authorization"].startswith("Bearer ")


async def test_a_slot_rule_conflict_is_typed_and_not_retried(
    client: BookableClient, sandbox: Sandbox
) -> None:
    venue = await dishoom(client)
    day = next_weekday()
    before = sandbox.api_requests()
    with pytest.raises(Conflict) as caught:
        await client.create_booking(
            venue.products[0].composite_id, guest("03:07", SlotType.BOOK, day)
        )
    assert caught.value.is_retryable is False
    assert sandbox.api_requests() == before + 1


async def test_from_settings_builds_a_working_client(sandbox: Sandbox) -> None:
    settings = make_settings(bookable_partner_reference="acme.example", bookable_max_retries=0)
    sent = RecordingTransport()
    client = BookableClient.from_settings(
        settings, api_url=sandbox.url, auth_url=sandbox.auth_url, transport=sent
    )
    try:
        assert (await client.search_venues(VenueQuery())).data.data
        assert sent.api()[-1].headers["x-partner-reference"] == "acme.example"
        assert client.tokens.requests_made == 1
    finally:
        await client.aclose()


async def test_from_settings_applies_the_configured_timeout(sandbox: Sandbox) -> None:
    settings = make_settings(bookable_timeout=0.3, bookable_max_retries=0)
    client = BookableClient.from_settings(settings, api_url=sandbox.url, auth_url=sandbox.auth_url)
    try:
        await client.tokens.token()
        sandbox.knobs(latency_ms=1000)
        with pytest.raises(TransportError) as caught:
            await client.search_venues(VenueQuery(), correlation_id="slow-1")
        assert caught.value.correlation_id == "slow-1"
        assert "timed out" in str(caught.value)
    finally:
        sandbox.knobs(latency_ms=0)
        await client.aclose()
