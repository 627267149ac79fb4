"""Availability feeds (bookable-api.md §9), only with the `feeds` knob on.

Documented: per product, `feedUrl` (null until a feed exists), gzip-compressed JSON, no
authentication, not rate-limited, up to 90 days of slots, the URL pattern
`{n}/{venueHex}/{productId}.json.gz`. NOT DOCUMENTED, so the sandbox's guess: the JSON
inside, which is

    {"productId": compositeId, "generatedAt": ISO time,
     "days": [{"date": "YYYY-MM-DD",
               "times": [{"time": "HH:MM", "duration": 120, "type": "book",
                          "requestReason": null, "maxPartySize": 8}]}]}

Slots are those a party of 2 would be offered (closed days left out); `maxPartySize` is the
product's online limit. The app must not rely on this shape (it reads feeds tolerantly and
falls back to live availability), so tests keep the knob off except where feeds are tested.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bot.sandbox.availability import check_bookable_day, product_availability, venue_today
from bot.sandbox.problems import Problem
from bot.sandbox.state import SandboxState

FEED_DAYS = 90
FEED_PARTY = 2
PREFIX = "/_feeds"
FEED_PATH = PREFIX + "/{n}/{venue}/{file}"


def feed_url(request: Request, composite_id: str) -> str | None:
    """`{base}/_feeds/{n}/{venueHex}/{productId}.json.gz` for a `n|TMS|venue|product` id."""
    parts = composite_id.split("|")
    if len(parts) != 4:
        return None
    # The sandbox's own root (mounted at /_sandbox by `serve`), not the host app's.
    base = f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}"
    return f"{base}{PREFIX}/{parts[0]}/{parts[2]}/{parts[3]}.json.gz"


class FeedApi:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def feed(self, request: Request) -> Response:
        """No token and no rate limit, as documented; 404 for an unknown product."""
        params = request.path_params
        product_id = params["file"].removesuffix(".json.gz")
        wanted = (params["n"], params["venue"], product_id)
        state = self.state
        for composite_id, (venue, product) in state.catalogue.products.items():
            parts = composite_id.split("|")
            if len(parts) == 4 and (parts[0], parts[2], parts[3]) == wanted:
                body = self._feed(venue, product)
                return Response(gzip.compress(json.dumps(body).encode()), 200,
                                media_type="application/gzip")  # fmt: skip
        return Response(status_code=404)

    def _feed(self, venue: Any, product: dict[str, Any]) -> dict[str, Any]:
        state = self.state
        now = venue_today(state.clock.now())
        composite_id = product["compositeId"]
        rules = venue.products[composite_id]
        days = []
        for offset in range(FEED_DAYS):
            day = now.date() + timedelta(days=offset)
            try:
                check_bookable_day(venue.rules, day, "", now.date())
            except Problem:
                continue
            answer = product_availability(
                product, rules, day=day, party_size=FEED_PARTY,
                taken=state.taken(composite_id, day),
                not_before=now.time() if offset == 0 else None,
            )  # fmt: skip
            times = [
                {"time": slot["time"], "duration": slot["duration"], "type": slot["type"],
                 "requestReason": slot["requestReason"], "maxPartySize": rules.max_party}
                for slot in answer["times"]
            ]  # fmt: skip
            if times:
                days.append({"date": day.isoformat(), "times": times})
        generated = datetime.fromtimestamp(state.clock.now(), UTC).isoformat()
        return {"productId": composite_id, "generatedAt": generated, "days": days}
