"""Bookable's documented webhook fields (bookable-api.md §8.2), for the property suite.

(The contract test defines the same set; to be shared once both are merged.)
"""

from __future__ import annotations

ENVELOPE_REQUIRED = frozenset({"eventType", "timestamp"})
ENVELOPE_OPTIONAL = frozenset({"bookings"})  # "present when eventType is booking.*"
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
# Listed without (or with unknown) requiredness: each may be absent.
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
WEBHOOK_STATUSES = ("pending", "confirmed", "cancelled", "completed", "no_show")
# The newest guide's three, and the only value of spec 1.2.0 (booking.updated).
EVENT_TYPES = ("booking.created", "booking.updated", "booking.cancelled")
