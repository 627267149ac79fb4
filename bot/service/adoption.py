"""Adopting a booking whose create answer was lost.

`BookingService.create` sends the submission key as `partnerBookingId` and stores a
`submission_context` with the submission before calling Bookable. If Bookable's answer
never arrives (timeout, gateway error), the submission stays in progress; when a webhook
for an unknown booking names that key, the notifier builds the record with
`adopted_record`, finishes the submission (`Store.adopt_submission`) and posts the
confirmation the create would have posted. Real Bookable's webhook docs don't list
`partnerBookingId` (its Booking object has it); without it there is nothing to adopt, and
the submission stays in progress, so resubmitting the same modal still never books twice.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from bot.store.records import BookingRecord

if TYPE_CHECKING:
    from bot.bookable.models import BookingRequest
    from bot.service.booking import BookingContext

PARTNER_BOOKING_ID = "partnerBookingId"


def submission_context(where: BookingContext, request: BookingRequest) -> dict[str, Any]:
    """JSON-able: what the confirmation message needs, stored with the submission."""
    return {
        "team_id": where.team_id,
        "user_id": where.user_id,
        "channel_id": where.channel_id,
        "composite_id": where.composite_id,
        "venue_name": where.venue_name,
        "product_name": where.product_name,
        "venue_group": where.venue_group,
        "date": request.date.isoformat(),
        "time": request.time[:5],
        "party_size": request.party_size,
    }


def partner_key(payload: dict[str, Any]) -> str | None:
    value = payload.get(PARTNER_BOOKING_ID)
    return value if isinstance(value, str) and value.strip() else None


def adopted_record(
    booking_id: str,
    context: dict[str, Any],
    payload: dict[str, Any],
    *,
    status: str,
    last_update: dt.datetime | None,
) -> BookingRecord | None:
    """The record the create would have saved, from the stored context and the webhook
    booking (which wins where it says more); None if the context is unusable."""
    try:
        on = _date(payload.get("date")) or dt.date.fromisoformat(str(context["date"]))
        time = _text(payload.get("time")) or str(context["time"])
        party = payload.get("partySize")
        return BookingRecord(
            booking_id=booking_id,
            team_id=str(context["team_id"]),
            user_id=str(context["user_id"]),
            channel_id=str(context.get("channel_id") or ""),
            message_ts=None,
            venue_name=str(context.get("venue_name") or payload.get("venueName") or ""),
            venue_group=_text(payload.get("venueGroupName")) or context.get("venue_group"),
            product_name=str(context.get("product_name") or ""),
            composite_id=_text(payload.get("compositeId")) or str(context["composite_id"]),
            date=on,
            time=time[:5],
            party_size=party if isinstance(party, int) else int(context["party_size"]),
            status=status,
            operator_ref=_text(payload.get("reference")),
            last_update=last_update,
            created_at=_datetime(payload.get("createdDate")),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _datetime(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
