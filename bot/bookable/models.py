"""Pydantic models for Bookable payloads.

Every model ignores unknown fields and every enum-like value tolerates values Bookable adds
later (they fall back to `UNKNOWN`), because the API keeps evolving (see the changelog in
docs/bookable-api notes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False)


class _OpenEnum(StrEnum):
    """A string enum whose unknown values map to UNKNOWN instead of failing validation."""

    @classmethod
    def _missing_(cls, value: object) -> _OpenEnum:
        if isinstance(value, str):
            for member in cls:
                if member.value.lower() == value.lower():
                    return member
        return cls("unknown")


class SlotType(_OpenEnum):
    BOOK = "book"
    REQUEST = "request"
    UNKNOWN = "unknown"


class RequestReason(_OpenEnum):
    FULLY_BOOKED = "fully_booked"
    EXCEEDS_AUTO_CONFIRM = "exceeds_auto_confirm"
    UNKNOWN = "unknown"


class NoAvailabilityCode(_OpenEnum):
    NO_AVAILABILITY = "NO_AVAILABILITY"
    NO_ELIGIBLE_PRODUCTS = "NO_ELIGIBLE_PRODUCTS"
    FILTERED_BY_OPERATOR_RULES = "FILTERED_BY_OPERATOR_RULES"
    FILTERED_BY_CAPACITY = "FILTERED_BY_CAPACITY"
    UNKNOWN = "unknown"


class BookingStatus(_OpenEnum):
    """Bookings API vocabulary (`Pending`, `Confirmed`, …)."""

    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    CONFIRMED = "Confirmed"
    CANCELLED = "Cancelled"
    DELETED = "Deleted"
    LOST = "Lost"
    UNKNOWN = "unknown"


class WebhookStatus(_OpenEnum):
    """Webhook vocabulary (`pending`, `confirmed`, …)."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    UNKNOWN = "unknown"


class EventType(_OpenEnum):
    CREATED = "booking.created"
    UPDATED = "booking.updated"
    CANCELLED = "booking.cancelled"
    UNKNOWN = "unknown"


# --- venues -----------------------------------------------------------------------------


class Space(_Model):
    """A bookable space (7.0.0: `spaceId` on a booking request). Its shape is NOT DOCUMENTED:
    seen as bare ids or as objects, so `id` and `name` are both optional."""

    id: int | str | None = None
    name: str | None = None


def _space_items(value: Any) -> Any:
    """Every plausible form of `spaces`: null/absent, one id or object, or a list of ids
    (int or str) and objects. Items of any other kind are dropped, never fatal."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    spaces: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, bool):
            continue
        if isinstance(item, int | str):
            spaces.append({"id": item})
        elif isinstance(item, dict):
            extra = {key: value for key, value in item.items() if key not in ("id", "name")}
            name = item.get("name")
            spaces.append(
                {
                    **extra,
                    "id": _space_id(item.get("id", item.get("spaceId"))),
                    "name": name if isinstance(name, str) else None,
                }
            )
    return spaces


def _space_id(value: Any) -> int | str | None:
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


Spaces = Annotated[list[Space] | None, BeforeValidator(_space_items)]


class Location(_Model):
    address: str | None = None
    area: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = Field(default=None, alias="postalCode")


class Product(_Model):
    composite_id: str = Field(alias="compositeId")
    product_name: str = Field(default="", alias="productName")
    feed_url: str | None = Field(default=None, alias="feedUrl")
    pre_order_required: bool = Field(default=False, alias="preOrderRequired")
    slug: str | None = None
    spaces: Spaces = None


class PreorderPackage(_Model):
    id: str
    name: str = ""
    price: float | None = None
    type: str | None = None
    sub_type: str | None = None


class PreorderMenuItem(_Model):
    package_id: str | None = Field(default=None, alias="packageId")
    name: str = ""


class PreorderMenu(_Model):
    id: str
    name: str = ""
    description: str | None = None
    items: list[PreorderMenuItem] = Field(default_factory=list)


class Preorders(_Model):
    packages: list[PreorderPackage] = Field(default_factory=list)
    menus: list[PreorderMenu] = Field(default_factory=list)


class Venue(_Model):
    id: str | None = None
    name: str = ""
    venue_group_name: str | None = Field(default=None, alias="venueGroupName")
    description: str | None = None
    features: list[str] = Field(default_factory=list)
    location: Location | None = None
    products: list[Product] = Field(default_factory=list)
    preorders: Preorders | None = None

    def product(self, composite_id: str) -> Product | None:
        return next((p for p in self.products if p.composite_id == composite_id), None)


class PageInfo(_Model):
    number: int = 1
    size: int = 20
    total_elements: int | None = Field(default=None, alias="totalElements")
    total_pages: int | None = Field(default=None, alias="totalPages")


class VenuePage(_Model):
    data: list[Venue] = Field(default_factory=list)
    page: PageInfo | None = None

    def has_next(self, requested_size: int) -> bool:
        """Pagination metadata is undocumented: trust it when present, else infer."""
        if self.page and self.page.total_pages is not None:
            return self.page.number < self.page.total_pages
        return len(self.data) >= requested_size


class VenueQuery(_Model):
    """Filters for `GET /venues`. Names follow the API reference."""

    venue_name: str | None = Field(default=None, alias="venueName")
    venue_group_name: str | None = Field(default=None, alias="venueGroupName")
    features: list[str] = Field(default_factory=list)
    content: str | None = None
    product_name: str | None = Field(default=None, alias="productName")
    booking_days: list[str] = Field(default_factory=list, alias="bookingDays")
    page: int = Field(default=1, ge=1)
    size: int = Field(default=20, ge=1, le=100)

    def to_params(self) -> dict[str, str]:
        params: dict[str, str] = {"page": str(self.page), "size": str(self.size)}
        for key in ("venueName", "venueGroupName", "content", "productName"):
            value = getattr(self, _snake(key))
            if value:
                params[key] = value
        if self.features:
            params["features"] = ",".join(self.features)
        if self.booking_days:
            params["bookingDays"] = ",".join(self.booking_days)
        return params

    def cache_key(self) -> str:
        return self.model_dump_json(by_alias=True)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


# --- availability -----------------------------------------------------------------------


class TimeSlot(_Model):
    time: str
    duration: int | None = None
    type: SlotType = SlotType.BOOK
    product_id: str | None = Field(default=None, alias="productId")
    request_reason: RequestReason | None = Field(default=None, alias="requestReason")
    spaces: Spaces = None

    @field_validator("time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        return value[:5]  # webhooks send HH:MM:SS; the API takes HH:mm


class Availability(_Model):
    name: str | None = None
    deposit: float | None = None
    policy: str | None = None
    cancellation_policy: str | None = Field(default=None, alias="cancellationPolicy")
    times: list[TimeSlot] = Field(default_factory=list)
    auto_confirm_rule: dict[str, Any] | None = Field(default=None, alias="autoConfirmRule")
    no_availability_reason: str | None = Field(default=None, alias="noAvailabilityReason")
    no_availability_code: NoAvailabilityCode | None = Field(
        default=None, alias="noAvailabilityCode"
    )


# --- bookings ---------------------------------------------------------------------------


class PreorderChoice(_Model):
    id: str
    quantity: int = Field(ge=1)


class PreorderSelection(_Model):
    packages: list[PreorderChoice] = Field(default_factory=list)
    menus: list[PreorderChoice] = Field(default_factory=list)


class BookingRequest(_Model):
    first_name: str = Field(alias="firstName")
    last_name: str = Field(alias="lastName")
    email: str
    phone: str
    party_size: int = Field(alias="partySize", ge=1)
    date: Date
    time: str
    type: SlotType
    duration: int | None = None
    notes: str | None = None
    space_id: int | None = Field(default=None, alias="spaceId")
    preorders: PreorderSelection | None = None
    partner_booking_id: str | None = Field(default=None, alias="partnerBookingId")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Booking(_Model):
    id: str
    composite_id: str | None = Field(default=None, alias="compositeId")
    operator_booking_id: str | None = Field(default=None, alias="operatorBookingId")
    reference: str | None = None
    status: BookingStatus = BookingStatus.UNKNOWN
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    email: str | None = None
    phone: str | None = None
    party_size: int | None = Field(default=None, alias="partySize")
    date: Date | None = None
    time: str | None = None
    duration: int | None = None  # minutes
    notes: str | None = None
    venue_group_name: str | None = Field(default=None, alias="venueGroupName")
    product_name: str | None = Field(default=None, alias="productName")
    partner_booking_id: str | None = Field(default=None, alias="partnerBookingId")
    created_date: datetime | None = Field(default=None, alias="createdDate")
    last_update: datetime | None = Field(default=None, alias="lastUpdate")


class PatchOp(_Model):
    op: str
    path: str
    value: Any = None


# --- webhooks ---------------------------------------------------------------------------


class WebhookRegistration(_Model):
    secret_key: str | None = Field(default=None, alias="secretKey", repr=False)
    callback_url: str | None = Field(default=None, alias="callbackUrl")


class WebhookBooking(_Model):
    id: str = Field(min_length=1, max_length=512)
    composite_id: str | None = Field(default=None, alias="compositeId", max_length=512)
    date: Date | None = None
    time: str | None = None
    party_size: int | None = Field(default=None, alias="partySize")
    status: WebhookStatus
    reference: str | None = None
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    email: str | None = None
    phone: str | None = None
    notes: str | None = None
    product_type: str | None = Field(default=None, alias="productType")
    source: str | None = None
    location: Location | None = None
    created_date: datetime | None = Field(default=None, alias="createdDate")
    last_update: datetime | None = Field(default=None, alias="lastUpdate")
    # Not in Bookable's spec; the sandbox adds them, and we show them when present.
    venue_name: str | None = Field(default=None, alias="venueName")
    venue_group_name: str | None = Field(default=None, alias="venueGroupName")
    reason: str | None = None
    # On Bookable's Booking object but not listed for webhooks; the sandbox echoes it and
    # the app uses it to adopt a booking whose create answer was lost.
    partner_booking_id: str | None = Field(default=None, alias="partnerBookingId", max_length=512)


class WebhookEnvelope(_Model):
    event_type: EventType = Field(alias="eventType")
    timestamp: datetime
    # "present when eventType is booking.*" (§8.2): absent or null means no bookings.
    bookings: list[WebhookBooking] = Field(default_factory=list)

    @field_validator("bookings", mode="before")
    @classmethod
    def _absent_bookings(cls, value: Any) -> Any:
        return [] if value is None else value


# --- call metadata ----------------------------------------------------------------------

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit: int | None
    remaining: int | None
    reset_epoch: float | None


@dataclass(frozen=True, slots=True)
class ApiResult(Generic[T]):
    """A parsed response plus what is needed to trace it at Bookable."""

    data: T
    correlation_id: str
    status_code: int
    rate_limit: RateLimit | None = None
