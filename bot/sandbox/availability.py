"""Availability answers (§6.3, 7.0.0 semantics), computed from a product's rules.

Slots run every 30 minutes from opening to last seating. Each slot holds 1–3 tables,
derived from a hash of (product, date, time), so the same question always gets the same
answer until bookings take tables away.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.sandbox.problems import DATE_DISABLED, VENUE_CLOSED, Problem, invalid
from bot.sandbox.seed import ProductRules, VenueRules, hex_id

try:
    VENUE_TZ: tzinfo = ZoneInfo("Europe/London")
except ZoneInfoNotFoundError:  # no tz database (e.g. Windows without tzdata)
    VENUE_TZ = UTC
SLOT_STEP = timedelta(minutes=30)
TIME_WINDOW_MINUTES = 90  # `time=` narrows the answer to slots this close to it
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def parse_hhmm(value: str) -> time:
    """`HH:mm` (also `HH:MM:SS`, as webhooks send it) → time; 400 otherwise."""
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise invalid(f"time must be HH:mm, got {value!r}") from None
    return parsed.replace(second=0, microsecond=0)


def venue_today(now_epoch: float) -> datetime:
    return datetime.fromtimestamp(now_epoch, VENUE_TZ)


def check_bookable_day(rules: VenueRules, day: date, venue_name: str, today: date) -> None:
    """Raise the ProblemDetails Bookable sends for past, closed or operator-disabled dates."""
    if day < today:
        raise invalid(f"date {day.isoformat()} is in the past")
    if day.weekday() in rules.closed_weekdays:
        raise Problem(422, VENUE_CLOSED, f"{venue_name} is closed on {WEEKDAYS[day.weekday()]}s.")
    if (day.month, day.day) in rules.disabled_days:
        raise Problem(422, DATE_DISABLED, f"{venue_name} has disabled bookings on {day}.")


def slot_capacity(product_id: str, day: date, hhmm: str) -> int:
    return 1 + int(hex_id(product_id, day.isoformat(), hhmm, length=8), 16) % 3


def _slot_times(rules: ProductRules) -> list[time]:
    start = datetime.combine(date.min, rules.opens)
    last = datetime.combine(date.min, rules.last_seating)
    times = []
    while start <= last:
        times.append(start.time())
        start += SLOT_STEP
    return times


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _empty(product: dict[str, Any], rules: ProductRules, code: str, reason: str) -> dict[str, Any]:
    return _answer(product, rules, [], code, reason)


def _answer(
    product: dict[str, Any],
    rules: ProductRules,
    times: list[dict[str, Any]],
    code: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "name": product.get("productName", ""),
        "deposit": rules.deposit,
        "policy": rules.policy,
        "cancellationPolicy": rules.cancellation_policy,
        "times": times,
        "autoConfirmRule": {"maxPartySize": rules.auto_confirm_max},
        "noAvailabilityReason": reason,
        "noAvailabilityCode": code,
    }


def _slot_kind(rules: ProductRules, day: date, party_size: int) -> tuple[str, str | None]:
    if rules.enquiry_reason:
        return "request", rules.enquiry_reason
    if day.weekday() in rules.enquiry_weekdays:
        return "request", "fully_booked"
    if party_size > rules.auto_confirm_max:
        return "request", "exceeds_auto_confirm"
    return "book", None


def product_availability(
    product: dict[str, Any],
    rules: ProductRules,
    *,
    day: date,
    party_size: int,
    taken: Counter[str],
    around: time | None = None,
    not_before: time | None = None,
) -> dict[str, Any]:
    """The availability body for one product; `taken` counts booked tables per `HH:MM`."""
    name = product.get("productName", "This product")
    weekday = WEEKDAYS[day.weekday()]
    if rules.weekdays is not None and day.weekday() not in rules.weekdays:
        reason = f"{name} is not offered on {weekday}s."
        return _empty(product, rules, "NO_ELIGIBLE_PRODUCTS", reason)
    if party_size > rules.max_party:
        reason = f"Online bookings are for up to {rules.max_party} guests; call the venue."
        return _empty(product, rules, "FILTERED_BY_CAPACITY", reason)
    if day.weekday() in rules.fully_booked_weekdays:
        return _empty(product, rules, "NO_AVAILABILITY", "Fully booked on this date.")
    kind, request_reason = _slot_kind(rules, day, party_size)
    spaces = [dict(space) for space in product.get("spaces") or []]
    times = []
    for start in _slot_times(rules):
        hhmm = start.strftime("%H:%M")
        if not_before is not None and start < not_before:
            continue
        if around is not None and abs(_minutes(start) - _minutes(around)) > TIME_WINDOW_MINUTES:
            continue
        if taken[hhmm] >= slot_capacity(product["compositeId"], day, hhmm):
            continue
        slot: dict[str, Any] = {
            "time": hhmm,
            "duration": rules.duration,
            "type": kind,
            "productId": product["compositeId"],
            "requestReason": request_reason,
        }
        if spaces:
            slot["spaces"] = spaces
        times.append(slot)
    if not times:
        return _empty(product, rules, "NO_AVAILABILITY", "No tables left for this date and time.")
    return _answer(product, rules, times)


def shape_spaces(answer: dict[str, Any], shape: str) -> dict[str, Any]:
    """The slots' `spaces` as the `spaces_shape` knob says. Bookable does not document the
    shape (bookable-api.md §6.3), so the sandbox can send each plausible one: "absent" (the
    default: the least helpful), "ints" (bare space ids) or "objects" (`{id, name}`)."""
    for slot in answer["times"]:
        spaces = slot.pop("spaces", None)
        if spaces is None or shape == "absent":
            continue
        slot["spaces"] = [space["id"] for space in spaces] if shape == "ints" else spaces
    return answer


def merge_products(venue_name: str, answers: list[dict[str, Any]]) -> dict[str, Any]:
    """Availability for a venue id: every product's slots together, each with its productId."""
    merged = dict(answers[0])
    merged["name"] = venue_name
    merged["times"] = sorted(
        (slot for answer in answers for slot in answer["times"]), key=lambda slot: slot["time"]
    )
    if merged["times"]:
        merged["noAvailabilityCode"] = merged["noAvailabilityReason"] = None
    return merged
