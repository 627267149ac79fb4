"""A booking as the sandbox stores it, and its two outside shapes (API and webhook)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.sandbox.clock import iso_z

ACTIVE_STATUSES = frozenset({"Pending", "InProgress", "Confirmed"})
SHORT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I look-alikes


def short_code() -> str:
    return "BKA-" + "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(4))


@dataclass
class SandboxBooking:
    id: str
    composite_id: str
    venue_id: str
    venue_name: str
    venue_group_name: str
    product_name: str
    product_slug: str | None
    location: dict[str, Any]
    operator_booking_id: str
    reference: str
    status: str  # Bookings API vocabulary: Pending, Confirmed, Cancelled, Lost
    webhook_status: str  # webhook vocabulary: pending, confirmed, cancelled, completed, no_show
    first_name: str
    last_name: str
    email: str
    phone: str
    party_size: int
    date: date
    time: str  # HH:MM
    created: datetime
    last_update: datetime
    source: str = "api"
    reason: str | None = None
    company: str | None = None
    duration: int | None = None
    notes: str | None = None
    partner_booking_id: str | None = None
    space_id: int | None = None
    preorders: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"packages": [], "menus": []}
    )

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def touch(self, now: datetime) -> None:
        """lastUpdate must strictly increase per booking, even within one millisecond."""
        floor = self.last_update + timedelta(milliseconds=1)
        self.last_update = max(now, floor)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "compositeId": self.composite_id,
            "operatorBookingId": self.operator_booking_id,
            "reference": self.reference,
            "status": self.status,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "phone": self.phone,
            "company": self.company,
            "partySize": self.party_size,
            "date": self.date.isoformat(),
            "time": self.time,
            "duration": self.duration,
            "notes": self.notes,
            "partnerBookingId": self.partner_booking_id,
            "spaceId": self.space_id,
            "venueGroupName": self.venue_group_name,
            "productName": self.product_name,
            "location": dict(self.location),
            "preorders": self.preorders,
            "source": self.source,
            "createdDate": iso_z(self.created),
            "lastUpdate": iso_z(self.last_update),
        }

    def to_webhook(self, *, extras: bool = False) -> dict[str, Any]:
        """Exactly §8.2's WebhookBooking fields. `extras` (the `webhook_extras` knob, off
        unless turned on) adds what Bookable does not document: venueName, venueGroupName,
        reason and partnerBookingId. The app must never need them."""
        location = {
            "address": self.location.get("address"),
            "city": self.location.get("city"),
            "state": None,
            "country": self.location.get("country"),
            "postalCode": self.location.get("postalCode"),
        }
        body: dict[str, Any] = {
            "id": self.id,
            "compositeId": self.composite_id,
            "date": self.date.isoformat(),
            "time": f"{self.time}:00",
            "partySize": self.party_size,
            "status": self.webhook_status,
            "reference": self.reference,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "phone": self.phone,
            "company": self.company,
            "location": location,
            "duration": self.duration,
            "productType": self.product_slug,
            "notes": self.notes,
            "source": self.source,
            "createdDate": iso_z(self.created),
            "lastUpdate": iso_z(self.last_update),
            "preorders": [
                {
                    "packageId": package["id"],
                    "name": package.get("name"),
                    "description": package.get("description"),
                    "type": package.get("type"),
                    "quantity": package["quantity"],
                    "price": package.get("price"),
                }
                for package in self.preorders.get("packages", [])
            ],
            "preorderMenus": [{"menuId": menu["id"]} for menu in self.preorders.get("menus", [])],
        }
        if extras:
            body |= {
                "venueName": self.venue_name,
                "venueGroupName": self.venue_group_name,
                "reason": self.reason,
                "partnerBookingId": self.partner_booking_id,
            }
        return body
