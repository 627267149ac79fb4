"""Everything the sandbox knows: configuration, knobs, clock, venues, tokens and bookings.

State lives in memory on the server's event loop; handlers never await between reading and
writing it, so two requests cannot both take the last table of a slot.
"""

from __future__ import annotations

import copy
import secrets
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from bot.config import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, SignatureEncoding
from bot.sandbox.clock import SandboxClock, iso_z
from bot.sandbox.delivery import (
    OMITTABLE_FIELDS,
    Deliverer,
    WebhookRegistration,
    WebhookVariant,
)
from bot.sandbox.records import SandboxBooking
from bot.sandbox.seed import ProductRules, SeedVenue, VenueRules, hex_id, seed_venues

AUDIENCE = "api.bookabletech.com"
SpacesShape = Literal["absent", "ints", "objects"]
EventTypes = Literal["spec", "guide"]


def check_omittable(fields: tuple[str, ...]) -> tuple[str, ...]:
    unknown = sorted(set(fields) - OMITTABLE_FIELDS)
    if unknown:
        allowed = ", ".join(sorted(OMITTABLE_FIELDS))
        raise ValueError(f"not optional in §8.2: {', '.join(unknown)} (allowed: {allowed})")
    return fields


SCOPES = ("venue:read", "venue-booking:create", "webhook:manage")


class ContractKnobs(BaseModel):
    """How the sandbox answers where Bookable's docs allow several answers or none: each
    field is named here once, and the start-up config, `/_control/knobs` and `Knobs` take
    them from here. The defaults send exactly what Bookable documents."""

    model_config = ConfigDict(extra="forbid")

    # Undocumented webhook fields (venueName, venueGroupName, reason, partnerBookingId):
    # off, so tests see exactly what Bookable documents (§8.2).
    webhook_extras: bool = False
    # Venues' `id` field (Bookable documents none): off, so the app works from compositeIds.
    venue_ids: bool = False
    # Documented variants, each one the app must handle (bookable-api.md §12.1). Where the
    # docs are silent the default is the least helpful plausible choice.
    spaces_shape: SpacesShape = "absent"  # availability slots' `spaces` (shape undocumented)
    webhook_event_types: EventTypes = "spec"  # "spec": every event is booking.updated
    webhook_batch: int = Field(default=1, ge=1, le=100)  # bookings per envelope
    webhook_omit: tuple[str, ...] = ()  # optional webhook fields left out (or "bookings")
    signature_upper: bool = False  # X-API-Key hex in upper case
    signature_prefix: bool = False  # X-API-Key prefixed "sha256="
    problem_minimal: bool = False  # ProblemDetails without `code` and `isRetryable`
    rate_limit_reset_header: bool = True  # X-RateLimit-Reset (documented on every answer)
    retry_after_header: bool = False  # Retry-After on a 429 (undocumented)
    # Products' `feedUrl`: null (documented: "null until the first feed exists"), or a URL
    # the sandbox serves. The feed's JSON is NOT DOCUMENTED: its shape is the sandbox's
    # guess (bot/sandbox/feeds.py), which the app reads tolerantly.
    feeds: bool = False

    @field_validator("webhook_omit")
    @classmethod
    def _omittable(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_omittable(value)


CONTRACT_KNOBS = frozenset(ContractKnobs.model_fields)


class SandboxConfig(ContractKnobs):
    """Start-up settings. Knobs (`/_control/knobs`) start from these values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = LOCAL_CLIENT_ID
    client_secret: SecretStr = SecretStr(LOCAL_CLIENT_SECRET)
    audience: str = AUDIENCE
    scopes: tuple[str, ...] = SCOPES
    token_ttl: int = Field(default=3600, gt=0)
    rate_limit: int = Field(default=200, ge=1)
    rate_window_seconds: int = Field(default=60, ge=1)
    latency_ms: float = Field(default=0, ge=0)
    # Bookable's older guide: retries after 1, 2, 4, 8, 16, 32 minutes.
    retry_unit_seconds: float = Field(default=60.0, ge=0)
    retry_schedule: tuple[float, ...] = (1, 2, 4, 8, 16, 32)
    signature_encoding: SignatureEncoding = SignatureEncoding.HEX
    allow_http_callbacks: bool = True  # only for loopback hosts; others must be https
    delivery_timeout: float = Field(default=5.0, gt=0)


@dataclass
class Knobs:
    latency_ms: float
    token_ttl: int
    rate_limit: int
    contract: ContractKnobs = field(default_factory=ContractKnobs)
    fail_next_count: int = 0
    fail_next_status: int = 503
    rate_limit_next: int = 0
    token_failure: int | None = None
    # The next N creates book the table, then answer badly (see `LostAnswer`).
    lose_next_answer_count: int = 0
    lose_next_answer: str = "garbage"

    @classmethod
    def from_config(cls, config: SandboxConfig) -> Knobs:
        contract = ContractKnobs(**{name: getattr(config, name) for name in CONTRACT_KNOBS})
        return cls(config.latency_ms, config.token_ttl, config.rate_limit, contract)

    def webhook_variant(self) -> WebhookVariant:
        return WebhookVariant(
            event_types=self.contract.webhook_event_types,
            batch=self.contract.webhook_batch,
            omit=frozenset(self.contract.webhook_omit),
            signature_upper=self.contract.signature_upper,
            signature_prefix=self.contract.signature_prefix,
        )

    def to_json(self) -> dict[str, Any]:
        plain = {k: v for k, v in asdict(self).items() if k != "contract"}
        return {**plain, **self.contract.model_dump(mode="json")}


@dataclass(frozen=True)
class TokenRecord:
    sub: str
    scopes: frozenset[str]
    expires_at: float


@dataclass
class RateWindow:
    start: float
    used: int = 0


@dataclass
class Counters:
    tokens_issued: int = 0
    token_requests: int = 0
    # Token requests by the client id they named (several partner accounts; tests).
    token_requests_by_client: dict[str, int] = field(default_factory=dict)
    api_requests: int = 0
    api_in_flight: int = 0
    # The newest API requests as received: method, path and X-Correlation-ID (for tests).
    received: deque[dict[str, str | None]] = field(default_factory=lambda: deque(maxlen=500))


@dataclass
class Catalogue:
    """Venues and an index of their products by compositeId."""

    venues: list[SeedVenue] = field(default_factory=list)
    by_id: dict[str, SeedVenue] = field(default_factory=dict)
    products: dict[str, tuple[SeedVenue, dict[str, Any]]] = field(default_factory=dict)

    def add(self, venue: SeedVenue) -> None:
        self.venues.append(venue)
        self.by_id[venue.data["id"]] = venue
        for product in venue.data["products"]:
            self.products[product["compositeId"]] = (venue, product)


class SandboxState:
    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.clock = SandboxClock()
        self.deliverer = Deliverer(
            self.clock,
            signature_encoding=self.config.signature_encoding,
            retry_unit_seconds=self.config.retry_unit_seconds,
            retry_schedule=self.config.retry_schedule,
            timeout=self.config.delivery_timeout,
        )
        self._load()

    def _load(self) -> None:
        self.knobs = Knobs.from_config(self.config)
        self.counters = Counters()
        self.catalogue = Catalogue()
        for venue in seed_venues():
            self.catalogue.add(copy.deepcopy(venue))
        self.bookings: dict[str, SandboxBooking] = {}
        self._slots: dict[tuple[str, date], set[str]] = {}
        self.tokens: dict[str, TokenRecord] = {}
        self.partner_clients: dict[str, str] = {}  # other partner accounts: id → secret
        self.rate_windows: dict[str, RateWindow] = {}
        self.booking_sequence = 0

    async def reset(self) -> None:
        """Seed data again, counters and knobs back to start. Keeps the webhook registration
        and issued tokens: they belong to the app under test, not to the scenario."""
        await self.deliverer.cancel_all()
        tokens, clients = self.tokens, self.partner_clients
        self.clock.reset()
        self._load()
        self.tokens, self.partner_clients = tokens, clients

    async def aclose(self) -> None:
        await self.deliverer.aclose()

    # --- venues -------------------------------------------------------------------------

    def find_venue(self, venue_id: str) -> SeedVenue | None:
        return self.catalogue.by_id.get(venue_id)

    def find_product(self, composite_id: str) -> tuple[SeedVenue, dict[str, Any]] | None:
        return self.catalogue.products.get(composite_id)

    def add_venue(self, data: dict[str, Any]) -> SeedVenue:
        """A venue from a test (e.g. a hostile name); missing ids and a product are derived."""
        venue = copy.deepcopy(data)
        name = str(venue.get("name", ""))
        venue.setdefault("id", f"99|CO|{hex_id('custom-venue', name, secrets.token_hex(4))}")
        venue.setdefault("venueGroupName", name)
        venue.setdefault("description", "")
        venue.setdefault("features", [])
        venue.setdefault("location", {"city": "London", "country": "GB"})
        venue.setdefault("preorders", None)
        if not venue.get("products"):
            venue["products"] = [{"productName": "Dinner"}]
        for product in venue["products"]:
            product_name = str(product.get("productName", "Dinner"))
            product.setdefault("productName", product_name)
            product.setdefault(
                "compositeId", f"{venue['id']}|{hex_id('product', venue['id'], product_name)}"
            )
            product.setdefault("feedUrl", None)
            product.setdefault("preOrderRequired", False)
            product.setdefault("slug", None)
        rules = {product["compositeId"]: ProductRules() for product in venue["products"]}
        seeded = SeedVenue(data=venue, rules=VenueRules(), products=rules)
        self.catalogue.add(seeded)
        return seeded

    # --- bookings -----------------------------------------------------------------------

    def taken(self, composite_id: str, day: date, *, exclude: str | None = None) -> Counter[str]:
        """Tables already booked per `HH:MM` for one product and date."""
        ids = self._slots.get((composite_id, day), set())
        return Counter(
            self.bookings[i].time for i in ids if i != exclude and self.bookings[i].active
        )

    def add_booking(self, booking: SandboxBooking) -> None:
        self.bookings[booking.id] = booking
        self._slots.setdefault((booking.composite_id, booking.date), set()).add(booking.id)

    def move_booking(self, booking: SandboxBooking, day: date, time: str) -> None:
        self._slots.get((booking.composite_id, booking.date), set()).discard(booking.id)
        booking.date, booking.time = day, time
        self._slots.setdefault((booking.composite_id, day), set()).add(booking.id)

    def next_reference(self) -> str:
        self.booking_sequence += 1
        return f"REF-{self.clock.utcnow():%Y%m%d}-{self.booking_sequence:03d}"

    # --- tokens -------------------------------------------------------------------------

    def issue_token(self, scopes: frozenset[str], client_id: str | None = None) -> tuple[str, int]:
        token = secrets.token_urlsafe(32)
        ttl = self.knobs.token_ttl
        sub = client_id or self.config.client_id
        self.tokens[token] = TokenRecord(sub, scopes, self.clock.now() + ttl)
        self.counters.tokens_issued += 1
        return token, ttl

    def valid_token(self, token: str) -> TokenRecord | None:
        record = self.tokens.get(token)
        if record is None or record.expires_at <= self.clock.now():
            return None
        return record

    def client_secret(self, client_id: str) -> str | None:
        """The secret of a partner account this sandbox knows (its own, or one added)."""
        if client_id == self.config.client_id:
            return self.config.client_secret.get_secret_value()
        return self.partner_clients.get(client_id)

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    # --- webhook ------------------------------------------------------------------------

    @property
    def webhook(self) -> WebhookRegistration | None:
        return self.deliverer.registration

    @webhook.setter
    def webhook(self, registration: WebhookRegistration | None) -> None:
        self.deliverer.registration = registration

    def emit(self, event_type: str, booking: SandboxBooking) -> None:
        """`event_type` as the newest guide names it; the knobs decide what is sent."""
        knobs = self.knobs
        body = booking.to_webhook(extras=knobs.contract.webhook_extras)
        self.deliverer.emit(event_type, [body], knobs.webhook_variant())

    # --- inspection ---------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        webhook = self.webhook
        return {
            "tokens_issued": self.counters.tokens_issued,
            "token_requests": self.counters.token_requests,
            "token_requests_by_client": dict(self.counters.token_requests_by_client),
            "api_requests": self.counters.api_requests,
            "api_in_flight": self.counters.api_in_flight,
            "received": list(self.counters.received),
            "bookings": [
                {
                    **b.to_api(),
                    "venueName": b.venue_name,
                    "webhookStatus": b.webhook_status,
                    "reason": b.reason,
                }
                for b in self.bookings.values()
            ],
            "webhook": {"callbackUrl": webhook.callback_url} if webhook else None,
            "deliveries": [delivery.to_json() for delivery in self.deliverer.records],
            "knobs": self.knobs.to_json(),
            "now": iso_z(self.clock.utcnow()),
            "now_epoch": self.clock.now(),
            "clock_offset": self.clock.offset,
        }
