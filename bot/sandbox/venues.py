"""`GET /venues`, `GET /venues/{venueId}` and `GET /venues/{compositeId}/availability`."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.sandbox.auth import Principal
from bot.sandbox.availability import (
    WEEKDAYS,
    check_bookable_day,
    merge_products,
    parse_hhmm,
    product_availability,
    shape_spaces,
    venue_today,
)
from bot.sandbox.feeds import feed_url
from bot.sandbox.parsing import parse_date, parse_int
from bot.sandbox.problems import PRODUCT_NOT_FOUND, VENUE_NOT_FOUND, Problem, invalid
from bot.sandbox.seed import SeedVenue
from bot.sandbox.state import SandboxState

TEXT_FILTERS = {  # query name → (min length, max length); Bookable documents 2..100
    "venueName": (2, 100),
    "venueGroupName": (2, 100),
    "content": (2, 100),
    "productName": (2, 100),
}
MAX_FEATURES = 10
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_PARTY_SIZE = 100


def _list_param(request: Request, name: str) -> list[str]:
    """`features=a,b` and `features=a&features=b` both work."""
    values = request.query_params.getlist(name)
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _text_filters(request: Request) -> dict[str, str]:
    filters = {}
    for name, (low, high) in TEXT_FILTERS.items():
        value = request.query_params.get(name)
        if value is None:
            continue
        if not low <= len(value.strip()) <= high:
            raise invalid(f"{name} must be between {low} and {high} characters long.")
        filters[name] = value.strip().casefold()
    return filters


def _booking_days(values: list[str]) -> list[int | date]:
    """Weekday names (`saturday`, `SAT`) or ISO dates."""
    days: list[int | date] = []
    names = [weekday.casefold() for weekday in WEEKDAYS]
    for value in values:
        lowered = value.casefold()
        match = [i for i, name in enumerate(names) if name == lowered or name[:3] == lowered]
        if match:
            days.append(match[0])
            continue
        try:
            days.append(date.fromisoformat(value))
        except ValueError:
            raise invalid(f"bookingDays: {value!r} is neither a weekday nor YYYY-MM-DD.") from None
    return days


def _open_on(venue: SeedVenue, day: int | date) -> bool:
    if isinstance(day, date):
        disabled = (day.month, day.day) in venue.rules.disabled_days
        return not disabled and day.weekday() not in venue.rules.closed_weekdays
    return day not in venue.rules.closed_weekdays


def _matches(
    venue: SeedVenue, text: dict[str, str], features: list[str], days: list[int | date]
) -> bool:
    data = venue.data
    haystacks = {
        "venueName": [str(data.get("name") or "")],
        "venueGroupName": [str(data.get("venueGroupName") or "")],
        "content": [str(data.get("description") or "")],
        "productName": [str(p.get("productName") or "") for p in data.get("products", [])],
    }
    for name, needle in text.items():
        if not any(needle in hay.casefold() for hay in haystacks[name]):
            return False
    venue_features = {str(f).casefold() for f in data.get("features") or []}
    if not all(feature.casefold() in venue_features for feature in features):
        return False
    return all(_open_on(venue, day) for day in days)


class VenueApi:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def search(self, request: Request, principal: Principal) -> Response:
        text = _text_filters(request)
        features = _list_param(request, "features")
        if "features" in request.query_params and not 1 <= len(features) <= MAX_FEATURES:
            raise invalid(f"features must list 1 to {MAX_FEATURES} items.")
        days = _booking_days(_list_param(request, "bookingDays"))
        params = request.query_params
        page = parse_int(params.get("page"), "page", low=1, high=10_000, default=1)
        size = parse_int(
            params.get("size"), "size", low=1, high=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
        )
        found = [
            self._shown(v, request)
            for v in self.state.catalogue.venues
            if _matches(v, text, features, days)
        ]
        chunk = found[(page - 1) * size : page * size]
        info = {
            "number": page,
            "size": size,
            "totalElements": len(found),
            "totalPages": math.ceil(len(found) / size),
        }
        return JSONResponse({"data": chunk, "page": info})

    async def get(self, request: Request, principal: Principal) -> Response:
        venue_id = request.path_params["venueId"]
        venue = self.state.find_venue(venue_id) or self._by_hex(venue_id)
        if venue is None:
            raise Problem(404, VENUE_NOT_FOUND, f"No venue with id {venue_id!r}.")
        return JSONResponse(self._shown(venue, request))

    def _shown(self, venue: SeedVenue, request: Request) -> dict[str, Any]:
        """A venue as the API shows it: Bookable documents no venue id field, so it is left
        out unless the `venue_ids` knob asks for it (the app derives it from compositeIds).
        Products' `feedUrl` is null unless the `feeds` knob is on (bot/sandbox/feeds.py)."""
        knobs = self.state.knobs
        shown = (
            venue.data
            if knobs.contract.venue_ids
            else {k: v for k, v in venue.data.items() if k != "id"}
        )
        if not knobs.contract.feeds:
            return shown
        products = [
            {**p, "feedUrl": feed_url(request, p["compositeId"])} for p in venue.data["products"]
        ]
        return {**shown, "products": products}

    def _by_hex(self, venue_hex: str) -> SeedVenue | None:
        for venue in self.state.catalogue.venues:
            if venue.data["id"].split("|")[-1] == venue_hex:
                return venue
        return None

    async def availability(self, request: Request, principal: Principal) -> Response:
        composite_id = request.path_params["compositeId"]
        params = request.query_params
        day = parse_date(params.get("date"))
        party_size = parse_int(
            params.get("partySize"), "partySize", low=1, high=MAX_PARTY_SIZE, default=None
        )
        around = parse_hhmm(params["time"]) if params.get("time") else None
        answer = self.answer(composite_id, day=day, party_size=party_size, around=around)
        return JSONResponse(shape_spaces(answer, self.state.knobs.contract.spaces_shape))

    def answer(
        self,
        composite_id: str,
        *,
        day: date,
        party_size: int,
        around: Any = None,
        exclude: str | None = None,
    ) -> dict[str, Any]:
        """Availability for a product (or for every product of a venue id)."""
        state = self.state
        found = state.find_product(composite_id)
        if found is not None:
            venue, products = found[0], [found[1]]
        elif (venue_or_none := state.find_venue(composite_id)) is not None:
            venue, products = venue_or_none, venue_or_none.data["products"]
        else:
            raise Problem(404, PRODUCT_NOT_FOUND, f"No product {composite_id!r} at this venue.")
        now = venue_today(state.clock.now())
        check_bookable_day(venue.rules, day, venue.data.get("name", ""), now.date())
        not_before = now.time() if day == now.date() else None
        answers = [
            product_availability(
                product,
                venue.products[product["compositeId"]],
                day=day,
                party_size=party_size,
                taken=state.taken(product["compositeId"], day, exclude=exclude),
                around=around,
                not_before=not_before,
            )
            for product in products
        ]
        if len(answers) == 1:
            return answers[0]
        return merge_products(venue.data.get("name", ""), answers)
