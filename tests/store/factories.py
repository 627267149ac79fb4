"""Small builders for store records in tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.store import BookingRecord, IncomingEvent

T0 = dt.datetime(2025, 6, 17, 10, 30, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    """T0 plus some minutes: readable, ordered webhook timestamps."""
    return T0 + dt.timedelta(minutes=minutes)


def booking(booking_id: str = "bk-1", **changes: Any) -> BookingRecord:
    values: dict[str, Any] = {
        "booking_id": booking_id,
        "team_id": "T1",
        "user_id": "U1",
        "channel_id": "C1",
        "message_ts": None,
        "venue_name": "Dishoom Shoreditch",
        "venue_group": "Dishoom",
        "product_name": "Dinner",
        "composite_id": "venue-1:product-1",
        "date": dt.date(2025, 7, 1),
        "time": "19:30",
        "party_size": 4,
        "status": "pending",
        "operator_ref": "OP-1",
    }
    values.update(changes)
    return BookingRecord(**values)


def event(
    booking_id: str = "bk-1",
    status: str = "confirmed",
    last_update: dt.datetime | None = T0,
    **changes: Any,
) -> IncomingEvent:
    values: dict[str, Any] = {
        "booking_id": booking_id,
        "status": status,
        "last_update": last_update,
        "event_type": "booking.updated",
        "payload": {"id": booking_id, "status": status},
        "venue_name": "Dishoom Shoreditch",
        "group_name": "Dishoom",
    }
    values.update(changes)
    return IncomingEvent(**values)
