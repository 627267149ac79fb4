"""`POST|PUT|DELETE /webhooks` and `POST /webhooks/test` (one callback per partner).

Webhook bookings carry exactly §8.2's fields (see `SandboxBooking.to_webhook`); the
`webhook_extras` knob adds undocumented ones for demos, never for tests.
"""

from __future__ import annotations

import ipaddress
import uuid

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.sandbox.auth import Principal
from bot.sandbox.delivery import WebhookRegistration
from bot.sandbox.parsing import json_object
from bot.sandbox.problems import WEBHOOK_NOT_FOUND, Problem, invalid
from bot.sandbox.records import SandboxBooking
from bot.sandbox.seed import hex_id
from bot.sandbox.state import SandboxState


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookApi:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def _callback_url(self, request: Request) -> str:
        body = await json_object(request)
        raw = body.get("callbackUrl")
        if not isinstance(raw, str) or not raw.strip():
            raise invalid("callbackUrl is required.")
        try:
            url = httpx.URL(raw.strip())
        except httpx.InvalidURL:
            raise invalid("callbackUrl is not a valid URL.") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise invalid("callbackUrl must be an absolute https URL.")
        allowed_http = self.state.config.allow_http_callbacks and is_loopback(url.host)
        if url.scheme == "http" and not allowed_http:
            raise invalid("callbackUrl must use https.")
        return str(url)

    def _registered(self) -> WebhookRegistration:
        if self.state.webhook is None:
            raise Problem(404, WEBHOOK_NOT_FOUND, "No webhook is registered for this account.")
        return self.state.webhook

    async def register(self, request: Request, principal: Principal) -> Response:
        """A second registration replaces the first, with a fresh secret (undocumented)."""
        callback_url = await self._callback_url(request)
        registration = WebhookRegistration(callback_url, str(uuid.uuid4()))
        self.state.webhook = registration
        body = {"secretKey": registration.secret_key, "callbackUrl": callback_url}
        return JSONResponse(body, status_code=201)

    async def update(self, request: Request, principal: Principal) -> Response:
        registration = self._registered()
        registration.callback_url = await self._callback_url(request)
        return JSONResponse({"callbackUrl": registration.callback_url})

    async def delete(self, request: Request, principal: Principal) -> Response:
        self._registered()
        self.state.webhook = None
        return Response(status_code=204)

    async def test(self, request: Request, principal: Principal) -> Response:
        self._registered()
        self.state.emit("booking.updated", self._sample_booking())
        return JSONResponse({"accepted": True}, status_code=202)

    def _sample_booking(self) -> SandboxBooking:
        venue = self.state.catalogue.venues[0].data
        product = venue["products"][0]
        now = self.state.clock.utcnow()
        owner, tms = venue["id"].split("|")[:2]
        return SandboxBooking(
            id=f"{owner}|{tms}|{hex_id('test-booking', now.isoformat())}",
            composite_id=product["compositeId"],
            venue_id=venue["id"],
            venue_name=venue["name"],
            venue_group_name=venue.get("venueGroupName") or "",
            product_name=product["productName"],
            product_slug=product.get("slug"),
            location=dict(venue.get("location") or {}),
            operator_booking_id="BKA-TEST",
            reference="REF-TEST-000",
            status="Confirmed",
            webhook_status="confirmed",
            reason="Test event from the Bookable sandbox",
            first_name="Test",
            last_name="Guest",
            email="test.guest@example.com",
            phone="+441234567890",
            party_size=2,
            date=now.date(),
            time="19:00",
            created=now,
            last_update=now,
        )
