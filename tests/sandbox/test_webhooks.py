"""Webhook registration, signed delivery, retries with backoff, ordering and the clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from datetime import datetime
from itertools import pairwise
from typing import Any

import httpx
import pytest

from .support import (
    RETRY_UNIT,
    Receiver,
    Sandbox,
    booking_body,
    next_weekday,
)

TUESDAY = 1


@pytest.fixture(autouse=True)
def guide_event_types(sandbox: Sandbox) -> None:
    """These tests check the event types of the newest guide; the default is the spec's
    (every event `booking.updated`, see test_webhook_variants.py)."""
    assert sandbox.control("knobs", {"webhook_event_types": "guide"}).status_code == 200


def create_booking(sandbox: Sandbox, api: httpx.Client) -> dict[str, Any]:
    product = sandbox.product("Pasta Nostra Soho", "Dinner")
    body = booking_body(next_weekday(TUESDAY), "18:00") | {"partnerBookingId": "view-key-1"}
    response = api.post(f"/venues/{product}/booking", json=body)
    assert response.status_code == 201
    return dict(response.json())


def test_registration_lifecycle(sandbox: Sandbox, api: httpx.Client) -> None:
    created = api.post("/webhooks", json={"callbackUrl": "https://partner.example.com/hook"})

    assert created.status_code == 201
    assert created.json()["callbackUrl"] == "https://partner.example.com/hook"
    assert uuid.UUID(created.json()["secretKey"]).version == 4
    updated = api.put("/webhooks", json={"callbackUrl": "http://localhost:9/hook"})
    assert (updated.status_code, updated.json()) == (
        200,
        {"callbackUrl": "http://localhost:9/hook"},
    )
    assert "secretKey" not in sandbox.snapshot()["webhook"]
    assert api.delete("/webhooks").status_code == 204
    assert sandbox.snapshot()["webhook"] is None
    assert api.put("/webhooks", json={"callbackUrl": "https://a.example/h"}).status_code == 404


@pytest.mark.parametrize(
    "url", ["http://partner.example.com/hook", "ftp://127.0.0.1/x", "not a url", "", None]
)
def test_callback_urls_must_be_https_unless_loopback(api: httpx.Client, url: Any) -> None:
    response = api.post("/webhooks", json={"callbackUrl": url})

    assert response.status_code == 400
    assert response.json()["code"] == "VALID-N-001"


def test_booking_events_are_signed_and_complete(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    booking = create_booking(sandbox, api)

    [delivery] = receiver.wait_for(1)

    assert delivery.signature_ok is True
    assert delivery.headers["content-type"] == "application/json"
    envelope = delivery.json()
    assert envelope["eventType"] == "booking.created"
    assert envelope["timestamp"].endswith("Z")
    [sent] = envelope["bookings"]
    assert sent["id"] == booking["id"]
    assert sent["status"] == "confirmed"
    assert sent["time"] == "18:00:00"
    assert sent["compositeId"] == booking["compositeId"]
    assert sent["lastUpdate"] == booking["lastUpdate"]
    assert booking["partnerBookingId"] == "view-key-1"
    # Bookable's webhook names no venue, reason or partner id (§8.2); the knob is off.
    assert not {"venueName", "venueGroupName", "reason", "partnerBookingId"} & sent.keys()


def test_changes_arrive_in_order_with_increasing_last_update(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    booking = create_booking(sandbox, api)
    ops = [{"op": "replace", "path": "/notes", "value": "High chair"}]
    api.patch(f"/venues/bookings/{booking['id']}", json=ops)
    sandbox.control(f"bookings/{booking['id']}/status", {"status": "declined"})

    envelopes = [d.json() for d in receiver.wait_for(3)]

    events = [(e["eventType"], e["bookings"][0]["status"]) for e in envelopes]
    assert events == [
        ("booking.created", "confirmed"),
        ("booking.updated", "confirmed"),
        ("booking.cancelled", "cancelled"),
    ]
    assert "reason" not in envelopes[-1]["bookings"][0]  # undocumented: knob off
    stamps = [datetime.fromisoformat(e["bookings"][0]["lastUpdate"]) for e in envelopes]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3


@pytest.mark.parametrize(
    ("action", "api_status", "hook_status", "event"),
    [
        ("confirmed", "Confirmed", "confirmed", "booking.updated"),
        ("cancelled", "Cancelled", "cancelled", "booking.cancelled"),
        ("no_show", "Lost", "no_show", "booking.updated"),
        ("completed", "Confirmed", "completed", "booking.updated"),
    ],
)
def test_venue_status_changes(
    sandbox: Sandbox,
    api: httpx.Client,
    receiver: Receiver,
    registered: str,
    action: str,
    api_status: str,
    hook_status: str,
    event: str,
) -> None:
    booking = create_booking(sandbox, api)

    changed = sandbox.control(f"bookings/{booking['id']}/status", {"status": action})

    assert changed.status_code == 200
    assert api.get(f"/venues/bookings/{booking['id']}").json()["status"] == api_status
    last = receiver.wait_for(2)[-1].json()
    assert (last["eventType"], last["bookings"][0]["status"]) == (event, hook_status)


def test_guest_cancellation_is_delivered(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    booking = create_booking(sandbox, api)

    api.delete(f"/venues/bookings/{booking['id']}")

    last = receiver.wait_for(2)[-1].json()
    assert (last["eventType"], last["bookings"][0]["status"]) == ("booking.cancelled", "cancelled")


def test_test_event_is_delivered(api: httpx.Client, receiver: Receiver, registered: str) -> None:
    assert api.post("/webhooks/test").status_code == 202

    [delivery] = receiver.wait_for(1)

    assert delivery.json()["eventType"] == "booking.updated"
    assert delivery.signature_ok is True


def test_failed_deliveries_retry_with_backoff(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    receiver.fail_first = 2
    create_booking(sandbox, api)

    attempts = receiver.wait_for(3)
    sandbox.wait_deliveries()

    assert len({a.body for a in attempts}) == 1  # the same bytes every time
    gaps = [later.at - earlier.at for earlier, later in pairwise(attempts)]
    assert gaps[0] >= 1 * RETRY_UNIT * 0.9 and gaps[1] >= 2 * RETRY_UNIT * 0.9
    [record] = sandbox.snapshot()["deliveries"]
    assert record["attempts"] == 3 and record["delivered"] is True
    assert record["last_status_code"] == 204


def test_later_events_wait_for_a_failing_one(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    receiver.fail_first = 1
    booking = create_booking(sandbox, api)
    api.delete(f"/venues/bookings/{booking['id']}")

    received = [d.json()["eventType"] for d in receiver.wait_for(3)]

    assert received == ["booking.created", "booking.created", "booking.cancelled"]


def test_the_clock_moves_retries_and_base64_signatures(
    slow_retry_sandbox: Sandbox, receiver: Receiver
) -> None:
    sandbox = slow_retry_sandbox
    with sandbox.api() as api:
        secret = api.post("/webhooks", json={"callbackUrl": receiver.url}).json()["secretKey"]
        receiver.fail_first = 1
        create_booking(sandbox, api)
        [first] = receiver.wait_for(1)
        time.sleep(0.1)
        assert len(receiver.received) == 1  # the next try is a sandbox minute away

        sandbox.control("clock", {"advance": 60})

        second = receiver.wait_for(2)[1]
    expected = base64.b64encode(hmac.new(secret.encode(), second.body, hashlib.sha256).digest())
    assert second.headers["x-api-key"] == expected.decode()
    assert second.body == first.body


def test_a_receiver_with_another_secret_rejects_and_gets_retries(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    receiver.secret = "some-other-secret"
    create_booking(sandbox, api)

    rejected = receiver.wait_for(2)

    assert [r.signature_ok for r in rejected] == [False, False]
    assert sandbox.snapshot()["deliveries"][0]["last_status_code"] == 401


def test_no_webhook_means_no_deliveries(sandbox: Sandbox, api: httpx.Client) -> None:
    create_booking(sandbox, api)

    assert sandbox.snapshot()["deliveries"] == []
    assert api.post("/webhooks/test").status_code == 404
