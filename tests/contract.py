"""Bookable's documented webhook contract (`shared/bookable-api.md` §8.2), defined once.

The sandbox contract test checks every webhook the sandbox sends against it; the property
suite draws webhooks from it. Requiredness is as documented: "yes" fields are required,
"?" fields (in the spec example, requiredness not shown) and "no" fields are optional.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

ENVELOPE_REQUIRED = frozenset({"eventType", "timestamp"})
ENVELOPE_FIELDS = ENVELOPE_REQUIRED | {"bookings"}  # bookings: "present when booking.*"

EVENT_TYPES = frozenset({"booking.created", "booking.updated", "booking.cancelled"})
STATUSES = frozenset({"pending", "confirmed", "cancelled", "completed", "no_show"})

BOOKING_REQUIRED = frozenset(
    {
        "id",
        "compositeId",
        "date",
        "time",
        "partySize",
        "status",
        "reference",
        "firstName",
        "lastName",
        "email",
        "phone",
    }
)
BOOKING_OPTIONAL = frozenset(
    {
        "company",
        "location",
        "duration",
        "productType",
        "notes",
        "source",
        "createdDate",
        "lastUpdate",
        "preorders",
        "preorderMenus",
    }
)
BOOKING_FIELDS = BOOKING_REQUIRED | BOOKING_OPTIONAL

LOCATION_FIELDS = frozenset({"address", "city", "state", "country", "postalCode"})
PREORDER_FIELDS = frozenset({"packageId", "name", "description", "type", "quantity", "price"})
PREORDER_MENU_FIELDS = frozenset({"menuId"})

# What the sandbox adds only with its `webhook_extras` knob: Bookable documents none of it.
UNDOCUMENTED_EXTRAS = frozenset({"venueName", "venueGroupName", "reason", "partnerBookingId"})

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")


def envelope_problems(envelope: Any) -> list[str]:
    """Everything in one webhook body that §8.2 does not allow (empty: it conforms)."""
    if not isinstance(envelope, dict):
        return ["the body is not a JSON object"]
    problems = _keys("envelope", envelope, ENVELOPE_REQUIRED, ENVELOPE_FIELDS)
    if envelope.get("eventType") not in EVENT_TYPES:
        problems.append(f"eventType {envelope.get('eventType')!r} is not documented")
    if not _is_datetime(envelope.get("timestamp")):
        problems.append("timestamp is not a date-time")
    bookings = envelope.get("bookings", [])
    if not isinstance(bookings, list):
        return [*problems, "bookings is not an array"]
    for index, booking in enumerate(bookings):
        problems += [f"bookings[{index}]: {p}" for p in booking_problems(booking)]
    return problems


def booking_problems(booking: Any) -> list[str]:
    """Everything in one WebhookBooking that §8.2 does not allow."""
    if not isinstance(booking, dict):
        return ["not an object"]
    problems = _keys("booking", booking, BOOKING_REQUIRED, BOOKING_FIELDS)
    if booking.get("status") not in STATUSES:
        problems.append(f"status {booking.get('status')!r} is not documented")
    if not (isinstance(booking.get("time"), str) and TIME.match(booking["time"])):
        problems.append(f"time {booking.get('time')!r} is not HH:MM:SS")
    if not _is_date(booking.get("date")):
        problems.append(f"date {booking.get('date')!r} is not YYYY-MM-DD")
    party = booking.get("partySize")
    if not isinstance(party, int) or isinstance(party, bool):
        problems.append("partySize is not an integer")
    for name in ("createdDate", "lastUpdate"):
        if name in booking and not _is_datetime(booking[name]):
            problems.append(f"{name} is not a date-time")
    location = booking.get("location")
    if isinstance(location, dict):
        problems += _keys("location", location, frozenset(), LOCATION_FIELDS)
    for item in booking.get("preorders") or []:
        problems += _keys("preorders[]", item, frozenset(), PREORDER_FIELDS)
    for item in booking.get("preorderMenus") or []:
        problems += _keys("preorderMenus[]", item, frozenset(), PREORDER_MENU_FIELDS)
    return problems


def _keys(
    where: str, value: dict[str, Any], required: frozenset[str], allowed: frozenset[str]
) -> list[str]:
    problems = [f"{where}: undocumented field {name!r}" for name in sorted(value.keys() - allowed)]
    problems += [f"{where}: missing required {name!r}" for name in sorted(required - value.keys())]
    return problems


def _is_date(value: Any) -> bool:
    try:
        return isinstance(value, str) and len(value) == 10 and bool(date.fromisoformat(value))
    except ValueError:
        return False


def _is_datetime(value: Any) -> bool:
    try:
        return isinstance(value, str) and bool(datetime.fromisoformat(value))
    except ValueError:
        return False
