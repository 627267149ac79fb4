"""`POST /venues/{compositeId}/booking` and `GET|PATCH|DELETE /venues/bookings/{bookingId}`."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.sandbox.auth import Principal
from bot.sandbox.availability import parse_hhmm
from bot.sandbox.parsing import describe, json_body, json_object
from bot.sandbox.patching import apply_patch
from bot.sandbox.preorders import PreorderSelection, resolve, selection_of
from bot.sandbox.problems import (
    BOOKING_CLOSED,
    BOOKING_NOT_FOUND,
    PREORDER_REQUIRED,
    PRODUCT_NOT_FOUND,
    SLOT_TYPE_MISMATCH,
    SLOT_UNAVAILABLE,
    Problem,
    invalid,
)
from bot.sandbox.records import SandboxBooking, short_code
from bot.sandbox.seed import SeedVenue
from bot.sandbox.state import SandboxState
from bot.sandbox.venues import MAX_PARTY_SIZE, VenueApi

BOOKING_SOURCES = frozenset(
    {"email", "phone", "api", "webhook", "js-tag", "chatbot", "puller", "portal"}
)
HH_MM = r"^\d{2}:\d{2}(:\d{2})?$"
ModelT = TypeVar("ModelT", bound=BaseModel)


class GuestDetails(BaseModel):
    """Fields a booking must always have valid values for (on create and after a patch)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, str_strip_whitespace=True)

    first_name: str = Field(alias="firstName", min_length=1, max_length=100)
    last_name: str = Field(alias="lastName", min_length=1, max_length=100)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)
    phone: str = Field(min_length=3, max_length=32)
    party_size: int = Field(alias="partySize", ge=1, le=MAX_PARTY_SIZE)
    date: date
    time: str = Field(pattern=HH_MM)
    duration: int | None = Field(default=None, ge=1, le=1440)
    notes: str | None = Field(default=None, max_length=2000)
    company: str | None = Field(default=None, max_length=200)
    partner_booking_id: str | None = Field(default=None, alias="partnerBookingId", max_length=100)
    space_id: int | None = Field(default=None, alias="spaceId")
    preorders: PreorderSelection = Field(default_factory=PreorderSelection)


class NewBooking(GuestDetails):
    type: Literal["book", "request"]


class PatchedBooking(GuestDetails):
    operator_booking_id: str = Field(alias="operatorBookingId", min_length=1, max_length=100)


def _validated(model: type[ModelT], data: Any) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid(describe(error)) from None


def _booking_id(composite_id: str) -> str:
    parts = composite_id.split("|")
    owner, tms = (parts[0], parts[1]) if len(parts) >= 3 else ("99", "CO")
    return f"{owner}|{tms}|{uuid.uuid4().hex}"


class BookingApi:
    def __init__(self, state: SandboxState, venues: VenueApi) -> None:
        self.state = state
        self.venues = venues

    # --- create -------------------------------------------------------------------------

    async def create(self, request: Request, principal: Principal) -> Response:
        composite_id = request.path_params["compositeId"]
        body = await json_object(request)
        new = _validated(NewBooking, body)
        hhmm = parse_hhmm(new.time).strftime("%H:%M")
        venue, product_id = self._locate(composite_id, new.date, new.party_size, hhmm)
        product = self.state.find_product(product_id)
        assert product is not None
        product_data = product[1]
        if product_data.get("preOrderRequired") and new.preorders.is_empty():
            detail = f"{product_data.get('productName')} needs a preorder with the booking."
            raise Problem(422, PREORDER_REQUIRED, detail)
        preorders = resolve(new.preorders, venue.data.get("preorders"))
        _check_space(product_data, new.space_id)
        slot = self._slot(product_id, new.date, new.party_size, hhmm)
        if slot["type"] != new.type:
            detail = f"The {hhmm} slot takes type {slot['type']!r}, not {new.type!r}."
            raise Problem(422, SLOT_TYPE_MISMATCH, detail)
        booking = self._record(venue, product_data, new, hhmm, preorders, request)
        self.state.add_booking(booking)
        self.state.emit("booking.created", booking)
        return self._created_answer(booking)

    def _created_answer(self, booking: SandboxBooking) -> Response:
        """201 with the booking, unless the `lose_next_answer` knob spoils it: the table
        is booked (and its webhook sent) all the same."""
        knobs = self.state.knobs
        if knobs.lose_next_answer_count <= 0:
            return JSONResponse(booking.to_api(), status_code=201)
        knobs.lose_next_answer_count -= 1
        if knobs.lose_next_answer == "error_500":
            problem = {"title": "Internal Server Error", "status": 500}
            return JSONResponse(problem, status_code=500, media_type="application/problem+json")
        return Response(b"<html>upstream hiccup", status_code=201, media_type="text/html")

    def _locate(
        self, composite_id: str, day: date, party_size: int, hhmm: str
    ) -> tuple[SeedVenue, str]:
        """The venue and product to book; a venue id books whichever product offers `hhmm`."""
        if (found := self.state.find_product(composite_id)) is not None:
            return found[0], composite_id
        venue = self.state.find_venue(composite_id)
        if venue is None:
            raise Problem(404, PRODUCT_NOT_FOUND, f"No product {composite_id!r} at this venue.")
        answer = self.venues.answer(composite_id, day=day, party_size=party_size)
        for slot in answer["times"]:
            if slot["time"] == hhmm:
                return venue, slot["productId"]
        return venue, venue.data["products"][0]["compositeId"]

    def _slot(
        self, product_id: str, day: date, party_size: int, hhmm: str, exclude: str | None = None
    ) -> dict[str, Any]:
        answer = self.venues.answer(product_id, day=day, party_size=party_size, exclude=exclude)
        for slot in answer["times"]:
            if slot["time"] == hhmm:
                return dict(slot)
        detail = f"No table for {party_size} at {hhmm} on {day.isoformat()} any more."
        raise Problem(409, SLOT_UNAVAILABLE, detail)

    def _record(
        self,
        venue: SeedVenue,
        product: dict[str, Any],
        new: NewBooking,
        hhmm: str,
        preorders: dict[str, Any],
        request: Request,
    ) -> SandboxBooking:
        now = self.state.clock.utcnow()
        confirmed = new.type == "book"
        source = request.headers.get("x-booking-source", "api").lower()
        return SandboxBooking(
            id=_booking_id(product["compositeId"]),
            composite_id=product["compositeId"],
            venue_id=venue.data["id"],
            venue_name=venue.data.get("name", ""),
            venue_group_name=venue.data.get("venueGroupName") or "",
            product_name=product.get("productName", ""),
            product_slug=product.get("slug"),
            location=dict(venue.data.get("location") or {}),
            operator_booking_id=short_code(),
            reference=self.state.next_reference(),
            status="Confirmed" if confirmed else "Pending",
            webhook_status="confirmed" if confirmed else "pending",
            reason="Booked instantly" if confirmed else "Enquiry sent; the venue will reply",
            first_name=new.first_name,
            last_name=new.last_name,
            email=new.email,
            phone=new.phone,
            company=new.company,
            party_size=new.party_size,
            date=new.date,
            time=hhmm,
            duration=new.duration,
            notes=new.notes,
            partner_booking_id=new.partner_booking_id,
            space_id=new.space_id,
            preorders=preorders,
            source=source if source in BOOKING_SOURCES else "api",
            created=now,
            last_update=now,
        )

    # --- read, change, cancel -----------------------------------------------------------

    def _booking(self, request: Request) -> SandboxBooking:
        booking_id = request.path_params["bookingId"]
        booking = self.state.bookings.get(booking_id)
        if booking is None:
            raise Problem(404, BOOKING_NOT_FOUND, f"No booking with id {booking_id!r}.")
        return booking

    async def get(self, request: Request, principal: Principal) -> Response:
        return JSONResponse(self._booking(request).to_api())

    async def patch(self, request: Request, principal: Principal) -> Response:
        booking = self._booking(request)
        operations = await json_body(request)
        if not booking.active:
            raise Problem(409, BOOKING_CLOSED, f"The booking is {booking.status}.")
        patched = _validated(PatchedBooking, apply_patch(_writable_view(booking), operations))
        hhmm = parse_hhmm(patched.time).strftime("%H:%M")
        found = self.state.find_product(booking.composite_id)
        assert found is not None
        venue, product = found
        moved = (patched.date, hhmm, patched.party_size) != (
            booking.date,
            booking.time,
            booking.party_size,
        )
        if moved:
            self._slot(booking.composite_id, patched.date, patched.party_size, hhmm, booking.id)
        if product.get("preOrderRequired") and patched.preorders.is_empty():
            raise Problem(422, PREORDER_REQUIRED, "This product needs a preorder.")
        preorders = resolve(patched.preorders, venue.data.get("preorders"))
        _check_space(product, patched.space_id)
        _apply(booking, patched, preorders)
        self.state.move_booking(booking, patched.date, hhmm)
        booking.reason = "Booking details updated"
        booking.touch(self.state.clock.utcnow())
        self.state.emit("booking.updated", booking)
        return JSONResponse(booking.to_api())

    async def cancel(self, request: Request, principal: Principal) -> Response:
        booking = self._booking(request)
        if booking.status != "Cancelled":  # cancelling twice is a no-op, not an error
            booking.status, booking.webhook_status = "Cancelled", "cancelled"
            booking.reason = "Cancelled at the guest's request"
            booking.touch(self.state.clock.utcnow())
            self.state.emit("booking.cancelled", booking)
        return Response(status_code=204)


def _check_space(product: dict[str, Any], space_id: int | None) -> None:
    if space_id is None:
        return
    spaces = {space.get("id") for space in product.get("spaces") or []}
    if space_id not in spaces:
        raise invalid(f"spaceId {space_id} is not a space of this product.")


def _writable_view(booking: SandboxBooking) -> dict[str, Any]:
    return {
        "date": booking.date.isoformat(),
        "time": booking.time,
        "duration": booking.duration,
        "partySize": booking.party_size,
        "firstName": booking.first_name,
        "lastName": booking.last_name,
        "email": booking.email,
        "phone": booking.phone,
        "notes": booking.notes,
        "company": booking.company,
        "partnerBookingId": booking.partner_booking_id,
        "operatorBookingId": booking.operator_booking_id,
        "spaceId": booking.space_id,
        "preorders": selection_of(booking.preorders),
    }


def _apply(booking: SandboxBooking, patched: PatchedBooking, preorders: dict[str, Any]) -> None:
    booking.first_name, booking.last_name = patched.first_name, patched.last_name
    booking.email, booking.phone = patched.email, patched.phone
    booking.party_size, booking.duration = patched.party_size, patched.duration
    booking.notes, booking.company = patched.notes, patched.company
    booking.partner_booking_id = patched.partner_booking_id
    booking.operator_booking_id = patched.operator_booking_id
    booking.space_id = patched.space_id
    booking.preorders = preorders
