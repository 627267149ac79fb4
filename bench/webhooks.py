"""Bookable webhook bodies (§8.2 envelope plus the sandbox's extras), signed as Bookable does."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from bench.harness import WEBHOOK_SECRET
from bench.load import HttpRequest

VENUES = (
    ("Dishoom Shoreditch", "Dishoom"),
    ("Hawksmoor Borough", "Hawksmoor"),
    ("Pasta Nostra Soho", "Pasta Nostra"),
    ("Saltwater Leith", "Saltwater"),
    ("Green Fig Hackney", "Green Fig"),
)


def webhook_body(
    booking_id: str,
    status: str,
    *,
    venue: tuple[str, str] = VENUES[0],
    composite_id: str = "29|CO|bench|dinner",
    last_update: datetime | None = None,
    event_type: str = "booking.updated",
    reference: str | None = None,
) -> bytes:
    now = last_update or datetime.now(UTC)
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    created = (now - timedelta(hours=1)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    booking = {
        "id": booking_id,
        "compositeId": composite_id,
        "date": (now + timedelta(days=3)).date().isoformat(),
        "time": "19:30:00",
        "partySize": 4,
        "status": status,
        "reference": reference or f"REF-{booking_id[-8:]}",
        "firstName": "Bench",
        "lastName": "Guest",
        "email": "guest@example.com",
        "phone": "+447700900123",
        "company": None,
        "location": {
            "address": "7 Boundary St",
            "city": "London",
            "state": None,
            "country": "GB",
            "postalCode": "E2 7JE",
        },
        "duration": 90,
        "productType": "dinner",
        "notes": None,
        "source": "api",
        "createdDate": created,
        "lastUpdate": stamp,
        "preorders": [],
        "preorderMenus": [],
        "venueName": venue[0],
        "venueGroupName": venue[1],
        "reason": "Confirmed by the venue",
    }
    envelope = {"eventType": event_type, "timestamp": stamp, "bookings": [booking]}
    return json.dumps(envelope, separators=(",", ":")).encode()


def signed_webhook(url: str, body: bytes, secret: str = WEBHOOK_SECRET) -> HttpRequest:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-API-Key": signature}
    return HttpRequest(url, body, headers)
