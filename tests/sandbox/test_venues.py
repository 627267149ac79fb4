"""GET /venues filters, validation and pagination; GET /venues/{venueId}; the seed data."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest

from bot.sandbox.seed import seed_venues

VENUE_ID = re.compile(r"^\d+\|(CO|SR|ZO)\|[0-9a-f]{32}$")
PRODUCT_ID = re.compile(r"^\d+\|(CO|SR|ZO)\|[0-9a-f]{32}\|([0-9a-f]{24}|[0-9a-f]{32})$")
DOCUMENTED_FEATURES = {
    "dog_friendly",
    "wifi",
    "parking",
    "wheelchair_accessible",
    "tv_sports",
    "live_music",
    "karaoke",
    "pool_table",
    "romantic",
    "casual",
    "family_friendly",
    "quiet",
    "lively",
    "italian",
    "asian",
    "vegetarian",
    "seafood",
}


def names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [venue["name"] for venue in response.json()["data"]]


def test_seed_is_deterministic_and_well_formed() -> None:
    venues = [seed.data for seed in seed_venues()]
    again = [seed.data for seed in seed_venues()]

    assert venues == again
    assert len(venues) >= 30
    assert len({v["location"]["city"] for v in venues}) >= 3
    assert len({v["venueGroupName"] for v in venues}) >= 5
    assert all(VENUE_ID.match(v["id"]) for v in venues)
    products = [p for v in venues for p in v["products"]]
    assert all(PRODUCT_ID.match(p["compositeId"]) for p in products)
    assert all(p["compositeId"].startswith(v["id"] + "|") for v in venues for p in v["products"])
    assert len({p["compositeId"] for p in products}) == len(products)
    assert any(p["preOrderRequired"] for p in products)
    used = {feature for v in venues for feature in v["features"]}
    assert len(used & DOCUMENTED_FEATURES) >= 12
    assert all(
        set(v["location"]) >= {"address", "area", "city", "postalCode", "country"} for v in venues
    )


def test_pages_cover_every_venue_once(api: httpx.Client) -> None:
    first = api.get("/venues").json()
    second = api.get("/venues", params={"page": 2}).json()
    everything = api.get("/venues", params={"size": 100}).json()

    total = everything["page"]["totalElements"]
    assert first["page"] == {"number": 1, "size": 20, "totalElements": total, "totalPages": 2}
    assert len(first["data"]) == 20
    assert len(second["data"]) == total - 20
    assert [v["name"] for v in first["data"] + second["data"]] == [
        v["name"] for v in everything["data"]
    ]
    assert api.get("/venues", params={"page": 3}).json()["data"] == []


@pytest.mark.parametrize(
    "params",
    [{"size": 101}, {"size": 0}, {"page": 0}, {"page": "two"}],
)
def test_bad_pagination_is_a_validation_error(
    api: httpx.Client, params: dict[str, str | int]
) -> None:
    response = api.get("/venues", params=params)

    assert response.status_code == 400
    assert response.json()["code"] == "VALID-N-001"


def test_venue_name_is_partial_and_case_insensitive(api: httpx.Client) -> None:
    assert names(api.get("/venues", params={"venueName": "DISHOOM cov"})) == [
        "Dishoom Covent Garden"
    ]
    assert len(names(api.get("/venues", params={"venueName": "dishoom"}))) == 5


def test_group_content_and_product_filters(api: httpx.Client) -> None:
    hawksmoor = names(api.get("/venues", params={"venueGroupName": "hawks"}))
    bombay = names(api.get("/venues", params={"content": "Bombay Cuisine"}))
    private = names(api.get("/venues", params={"productName": "private dining"}))

    assert len(hawksmoor) == 5 and all(n.startswith("Hawksmoor") for n in hawksmoor)
    assert bombay and all(n.startswith("Dishoom") for n in bombay)
    assert private == ["Bancroft & Vale Mayfair", "Bancroft & Vale Deansgate"]


def test_features_must_all_match(api: httpx.Client) -> None:
    response = api.get("/venues", params={"features": "dog_friendly,tv_sports", "size": 100})

    found = response.json()["data"]
    assert found
    assert all({"dog_friendly", "tv_sports"} <= set(v["features"]) for v in found)
    repeated = api.get("/venues", params=[("features", "dog_friendly"), ("features", "tv_sports")])
    assert names(repeated) == [v["name"] for v in found]


@pytest.mark.parametrize(
    "params",
    [
        {"venueName": "a"},
        {"venueName": "x" * 101},
        {"venueGroupName": "z"},
        {"features": ",".join(f"f{i}" for i in range(11))},
        {"features": ""},
        {"bookingDays": "someday"},
    ],
)
def test_filter_validation(api: httpx.Client, params: dict[str, str | int]) -> None:
    response = api.get("/venues", params=params)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "VALID-N-001"


def test_booking_days_leave_out_venues_closed_that_day(api: httpx.Client) -> None:
    saturday = names(api.get("/venues", params={"bookingDays": "saturday", "size": 100}))
    mondays = names(api.get("/venues", params={"bookingDays": "MON", "size": 100}))

    assert "Hawksmoor Guildhall" not in saturday
    assert "Hawksmoor Guildhall" in mondays
    assert "Pasta Nostra Stockbridge" not in mondays


def test_get_one_venue_with_raw_or_encoded_pipes(api: httpx.Client) -> None:
    venue = api.get("/venues", params={"venueName": "Saltwater Leith"}).json()["data"][0]
    # The venue part of a product's compositeId: `{n}|{TMS}|{venue}`.
    venue_id = "|".join(venue["products"][0]["compositeId"].split("|")[:3])

    raw = api.get(f"/venues/{venue_id}")
    encoded = api.get(f"/venues/{quote(venue_id, safe='')}")

    assert "%7C" in str(encoded.request.url)
    assert raw.json() == encoded.json() == venue


def test_unknown_venue_is_404(api: httpx.Client) -> None:
    response = api.get("/venues/29|CO|00000000000000000000000000000000")

    assert response.status_code == 404
    assert response.json()["status"] == 404
