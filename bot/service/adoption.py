"""Adopting a booking whose create answer was lost.

`BookingService.create` sends the submission key as `partnerBookingId` and stores a
`submission_context` and the booking's `fingerprint` with the submission before calling
Bookable. If Bookable's answer never arrives (timeout, 5xx, unreadable body), the
submission stays in progress. When a webhook for an unknown booking arrives, the notifier
calls `adoption_for`: the submission is the one its `partnerBookingId` names
(an undocumented field, used when present), else the only open submission with the same
fingerprint (compositeId, date, time, party size, email) begun in a window around the
booking's `createdDate`. Zero or several candidates: nothing is adopted (never a guess).
A submission the sweep already resolved as unknown can still be adopted (Bookable retries
a webhook for about an hour): its booker then gets the confirmation after all.
Adopting builds the record with `adopted_record` and finishes the submission
(`Store.adopt_submission`), which queues the confirmation the create would have queued;
it races the create's own late answer safely (one conditional UPDATE wins).
Submissions nobody adopts are resolved by the sweep (`bot.service.sweep`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.store.records import BookingRecord, Fingerprint, OutboxJob
from bot.store.timeutil import to_utc

if TYPE_CHECKING:
    from bot.bookable.models import BookingRequest
    from bot.service.booking import BookingContext
    from bot.store import Store

log = logging.getLogger(__name__)

PARTNER_BOOKING_ID = "partnerBookingId"
# Bookable's clock against ours: a booking may look created a little before its submission.
CLOCK_SKEW = dt.timedelta(minutes=2)


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


def fingerprint(composite_id: str, request: BookingRequest) -> Fingerprint:
    """The fingerprint of the booking `request` asks for."""
    return Fingerprint(
        composite_id=composite_id,
        date=request.date,
        time=request.time[:5],
        party_size=request.party_size,
        email=request.email.strip().lower(),
    )


def webhook_fingerprint(payload: dict[str, Any]) -> Fingerprint | None:
    """The same from a webhook booking (§8.2: all five fields are required there)."""
    composite_id, email = _text(payload.get("compositeId")), _text(payload.get("email"))
    on, time = _date(payload.get("date")), _text(payload.get("time"))
    party = payload.get("partySize")
    if not (composite_id and email and on and time) or not isinstance(party, int):
        return None
    return Fingerprint(composite_id, on, time[:5], party, email.strip().lower())


@dataclass(frozen=True)
class Adoption:
    """The open submission an unknown booking belongs to, and the record to save for it."""

    key: str
    record: BookingRecord


async def adoption_for(
    store: Store, job: OutboxJob, *, unconfirmed_after: dt.timedelta
) -> Adoption | None:
    """The adoption of status `job`'s unknown booking, if exactly one open submission is
    its own (see the module docstring). `Store.adopt_submission` then decides it."""
    key = partner_key(job.payload)
    if key is not None:
        submission = await store.get_submission(key)
        adoptable = submission is not None and submission.state in ("in_progress", "unknown")
        context = submission.context if submission and adoptable else None
    else:
        key, context = await _match_by_fingerprint(store, job, unconfirmed_after)
    if key is None or not context:
        return None
    record = adopted_record(
        job.booking_id, context, job.payload, status=job.status, last_update=job.last_update
    )
    if record is None:
        log.warning("submission %s: stored context unusable; not adopted", key)
        return None
    return Adoption(key, record)


async def _match_by_fingerprint(
    store: Store, job: OutboxJob, unconfirmed_after: dt.timedelta
) -> tuple[str | None, dict[str, Any] | None]:
    found = webhook_fingerprint(job.payload)
    if found is None:
        log.info("booking %s: webhook lacks fingerprint fields; not adopted", job.booking_id)
        return None, None
    created = _datetime(job.payload.get("createdDate"))
    candidates = await store.submissions_matching(
        found,
        created=to_utc(created) if created else None,
        skew=CLOCK_SKEW,
        bound=unconfirmed_after,
    )
    if len(candidates) != 1:
        # Zero is the common case (a booking made outside the app): debug only.
        log.log(
            logging.WARNING if candidates else logging.DEBUG,
            "booking %s: %d open submissions match its fingerprint; not adopted",
            job.booking_id, len(candidates),
        )  # fmt: skip
        return None, None
    return candidates[0].key, candidates[0].context


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
