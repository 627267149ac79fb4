"""The knobs that make the sandbox send each variant Bookable's docs allow (§12.1)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from typing import Any

import httpx
import pytest

from .support import Receiver, Sandbox, booking_body, next_weekday

TUESDAY = 1


def knobs(sandbox: Sandbox, **values: Any) -> dict[str, Any]:
    response = sandbox.control("knobs", values)
    assert response.status_code == 200, response.text
    return dict(response.json())


def book(sandbox: Sandbox, api: httpx.Client, at: str = "18:00", on: date | None = None) -> str:
    product = sandbox.product("Pasta Nostra Soho", "Dinner")
    body = booking_body(on or next_weekday(TUESDAY), at)
    response = api.post(f"/venues/{product}/booking", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_by_default_every_event_is_booking_updated(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    booking_id = book(sandbox, api)
    assert api.delete(f"/venues/bookings/{booking_id}").status_code == 204

    envelopes = [d.json() for d in receiver.wait_for(2)]

    assert [e["eventType"] for e in envelopes] == ["booking.updated", "booking.updated"]
    assert [e["bookings"][0]["status"] for e in envelopes] == ["confirmed", "cancelled"]


def test_a_batch_puts_several_bookings_in_one_envelope(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    knobs(sandbox, webhook_batch=3)
    ids = [book(sandbox, api, at) for at in ("18:00", "18:30", "19:00")]

    [delivery] = receiver.wait_for(1)

    assert delivery.signature_ok is True
    assert [b["id"] for b in delivery.json()["bookings"]] == ids
    [record] = sandbox.snapshot()["deliveries"]
    assert record["booking_ids"] == ids


def test_a_partial_batch_goes_out_when_deliveries_are_awaited(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    knobs(sandbox, webhook_batch=5)
    ids = [book(sandbox, api, at) for at in ("18:00", "18:30")]

    sandbox.wait_deliveries()

    [delivery] = receiver.wait_for(1)
    assert [b["id"] for b in delivery.json()["bookings"]] == ids


def test_omitted_fields_are_left_out(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    knobs(sandbox, webhook_omit=["lastUpdate", "createdDate", "company"])
    book(sandbox, api)

    [sent] = receiver.wait_for(1)[0].json()["bookings"]

    assert not {"lastUpdate", "createdDate", "company"} & set(sent)
    assert {"id", "compositeId", "status", "reference"} <= set(sent)


def test_an_envelope_without_bookings(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    knobs(sandbox, webhook_omit=["bookings"])
    book(sandbox, api)

    envelope = receiver.wait_for(1)[0].json()

    assert set(envelope) == {"eventType", "timestamp"}


@pytest.mark.parametrize("field", ["id", "status", "eventType", "venueName"])
def test_only_optional_fields_can_be_omitted(sandbox: Sandbox, field: str) -> None:
    response = sandbox.control("knobs", {"webhook_omit": [field]})
    assert response.status_code == 400
    assert "not optional" in response.text


def test_a_refused_knob_update_changes_nothing(sandbox: Sandbox) -> None:
    """Every knob in a body is checked before any applies; unknown names are refused."""
    before = sandbox.control("knobs", {}).json()
    bad = {"feeds": True, "webhook_batch": 0, "latency_ms": 5}
    assert sandbox.control("knobs", bad).status_code == 400
    assert sandbox.control("knobs", {"feeds": True, "no_such_knob": 1}).status_code == 400
    assert sandbox.control("knobs", {}).json() == before
    after = sandbox.control("knobs", {"feeds": True, "webhook_batch": 3, "latency_ms": 5}).json()
    assert (after["feeds"], after["webhook_batch"], after["latency_ms"]) == (True, 3, 5)


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ({"signature_upper": True}, lambda hex_: hex_.upper()),
        ({"signature_prefix": True}, lambda hex_: "sha256=" + hex_),
        ({"signature_upper": True, "signature_prefix": True}, lambda h: "sha256=" + h.upper()),
    ],
)
def test_signature_variants(
    sandbox: Sandbox,
    api: httpx.Client,
    receiver: Receiver,
    registered: str,
    variant: dict[str, bool],
    expected: Any,
) -> None:
    knobs(sandbox, **variant)
    book(sandbox, api)

    [delivery] = receiver.wait_for(1)

    digest = hmac.new(registered.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["x-api-key"] == expected(digest)


def test_minimal_problem_details(sandbox: Sandbox, api: httpx.Client) -> None:
    knobs(sandbox, problem_minimal=True)

    response = api.get("/venues/bookings/29|CO|nope")

    assert response.status_code == 404
    assert set(response.json()) == {"type", "title", "status", "detail"}


def test_a_429_without_the_reset_header(sandbox: Sandbox, api: httpx.Client) -> None:
    knobs(sandbox, rate_limit_reset_header=False, rate_limit_next=2)

    bare = api.get("/venues")
    knobs(sandbox, retry_after_header=True)
    with_retry_after = api.get("/venues")

    assert bare.status_code == with_retry_after.status_code == 429
    assert "x-ratelimit-reset" not in bare.headers and "retry-after" not in bare.headers
    assert "x-ratelimit-reset" not in with_retry_after.headers
    assert 1 <= int(with_retry_after.headers["retry-after"]) <= 60
