"""Every webhook the sandbox sends is a documented one (§8.2), and nothing more.

Drives each path that makes the sandbox deliver (create as `book` and as `request`, with
preorders, PATCH, DELETE, every venue status action, `POST /webhooks/test`), captures the
deliveries at a partner's receiver and checks each body against `tests/contract.py`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.contract import (
    BOOKING_FIELDS,
    EVENT_TYPES,
    STATUSES,
    UNDOCUMENTED_EXTRAS,
    envelope_problems,
)

from .support import Receiver, Sandbox, booking_body, next_weekday

TUESDAY = 1
VENUE_ACTIONS = ("confirmed", "declined", "cancelled", "no_show", "completed")


class Booker:
    """Books free slots (as availability offers them) at a few seeded products."""

    def __init__(self, sandbox: Sandbox, api: httpx.Client, day: date) -> None:
        self.sandbox, self.api, self.day = sandbox, api, day
        self.taken: set[tuple[str, str]] = set()

    def book(self, venue: str, product: str, **extra: Any) -> dict[str, Any]:
        composite_id = next(
            p["compositeId"]
            for p in self.sandbox.venue(venue)["products"]
            if p["productName"] == product
        )
        path = f"/venues/{quote(composite_id, safe='')}"
        offered = self.api.get(
            f"{path}/availability", params={"date": self.day.isoformat(), "partySize": 2}
        ).json()["times"]
        slot = next(s for s in offered if (composite_id, s["time"]) not in self.taken)
        self.taken.add((composite_id, slot["time"]))
        body = booking_body(self.day, slot["time"], type=slot["type"], **extra)
        response = self.api.post(f"{path}/booking", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())


def _drive_every_webhook_path(sandbox: Sandbox, api: httpx.Client) -> int:
    """Makes the sandbox send each kind of webhook; returns how many it should send."""
    booker = Booker(sandbox, api, next_weekday(TUESDAY))
    steak = sandbox.venue("Hawksmoor Borough")["preorders"]
    preorders = {
        "packages": [{"id": steak["packages"][0]["id"], "quantity": 2}],
        "menus": [{"id": steak["menus"][0]["id"]}],
    }
    sent = 0
    booked = booker.book("Hawksmoor Borough", "Dinner", preorders=preorders, company="Acme")
    patch = [{"op": "replace", "path": "/notes", "value": "Window table"}]
    assert api.patch(f"/venues/bookings/{quote(booked['id'], safe='')}", json=patch).is_success
    assert api.delete(f"/venues/bookings/{quote(booked['id'], safe='')}").status_code == 204
    sent += 3
    for action in VENUE_ACTIONS:
        # An enquiry for the venue to confirm or decline, a booking for the rest.
        if action in ("confirmed", "declined"):
            booking = booker.book("Saltwater Leith", "Chef's Table")
            assert booking["status"] == "Pending"
        else:
            booking = booker.book("Pasta Nostra Soho", "Dinner")
        changed = sandbox.control(f"bookings/{booking['id']}/status", {"status": action})
        assert changed.status_code == 200, changed.text
        sent += 2
    assert api.post("/webhooks/test").status_code == 202
    return sent + 1


@pytest.mark.parametrize("event_types", ["spec", "guide"])
def test_every_webhook_carries_exactly_the_documented_fields(
    event_types: str, sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    """`spec` (the default): every event is `booking.updated`, the 1.2.0 enum's only value;
    `guide`: the newest guide's three event types."""
    if event_types != "spec":
        assert sandbox.control("knobs", {"webhook_event_types": event_types}).status_code == 200
    expected = _drive_every_webhook_path(sandbox, api)

    deliveries = receiver.wait_for(expected)
    sandbox.wait_deliveries()

    assert len(receiver.received) == expected
    assert all(d.signature_ok for d in deliveries)
    envelopes = [d.json() for d in deliveries]
    problems = {i: envelope_problems(e) for i, e in enumerate(envelopes) if envelope_problems(e)}
    assert problems == {}
    bookings = [b for e in envelopes for b in e["bookings"]]
    # Every path was taken: each event type and status, and the optional fields in use.
    assert {b["status"] for b in bookings} == STATUSES
    if event_types == "spec":
        assert {e["eventType"] for e in envelopes} == {"booking.updated"}
    else:
        assert {e["eventType"] for e in envelopes} == EVENT_TYPES
        assert Counter(e["eventType"] for e in envelopes)["booking.created"] == 6
    assert any(b.get("preorders") and b.get("preorderMenus") for b in bookings)
    assert any(b.get("company") == "Acme" for b in bookings)
    assert any(b.get("notes") == "Window table" for b in bookings)


def test_the_extras_knob_adds_the_undocumented_fields(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver, registered: str
) -> None:
    knobs = sandbox.control("knobs", {"webhook_extras": True})
    assert knobs.json()["webhook_extras"] is True
    booked = Booker(sandbox, api, next_weekday(TUESDAY)).book(
        "Pasta Nostra Soho", "Dinner", partnerBookingId="view-key-7"
    )

    [delivery] = receiver.wait_for(1)

    [sent] = delivery.json()["bookings"]
    assert sent.keys() >= UNDOCUMENTED_EXTRAS
    assert (sent["venueName"], sent["venueGroupName"]) == ("Pasta Nostra Soho", "Pasta Nostra")
    assert sent["partnerBookingId"] == booked["partnerBookingId"] == "view-key-7"
    assert sent.keys() - UNDOCUMENTED_EXTRAS <= BOOKING_FIELDS
    assert sandbox.control("knobs", {"webhook_extras": False}).json()["webhook_extras"] is False
