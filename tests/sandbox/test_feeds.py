"""Availability feeds (bookable-api.md §9): `feedUrl` is null by default (documented: null
until a feed exists); with the `feeds` knob, a gzip JSON file per product, served without a
token and outside the rate limit, in the sandbox's documented guess of a shape."""

from __future__ import annotations

import gzip
import json
from datetime import date

import httpx

from tests.sandbox.support import Sandbox, loopback_client


def _dinner(api: httpx.Client) -> dict[str, object]:
    response = api.get("/venues", params={"venueName": "dishoom covent"})
    assert response.status_code == 200, response.text
    return next(p for p in response.json()["data"][0]["products"] if p["productName"] == "Dinner")


def test_feed_urls_are_null_unless_the_knob_is_on(sandbox: Sandbox, api: httpx.Client) -> None:
    assert _dinner(api)["feedUrl"] is None
    assert sandbox.control("knobs", {"feeds": True}).status_code == 200
    product = _dinner(api)
    url = str(product["feedUrl"])
    n, _, venue, product_id = str(product["compositeId"]).split("|")
    assert url == f"{sandbox.url}/_feeds/{n}/{venue}/{product_id}.json.gz"


def test_a_feed_is_gzip_json_without_a_token_and_outside_the_rate_limit(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.control("knobs", {"feeds": True, "rate_limit": 1})
    url = str(_dinner(api)["feedUrl"])  # the one call the limit allows
    before = sandbox.snapshot()["api_requests"]
    with loopback_client(sandbox.url) as anonymous:
        for _ in range(3):
            response = anonymous.get(url)
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/gzip"
        assert anonymous.get("/_feeds/1/none/none.json.gz").status_code == 404
    assert sandbox.snapshot()["api_requests"] == before
    feed = json.loads(gzip.decompress(response.content))
    assert feed["productId"].endswith(url.rsplit("/", 1)[-1].removesuffix(".json.gz"))
    days = [date.fromisoformat(day["date"]) for day in feed["days"]]
    assert days == sorted(days) and (days[-1] - days[0]).days < 90
    slot = feed["days"][0]["times"][0]
    assert set(slot) == {"time", "duration", "type", "requestReason", "maxPartySize"}
