"""Create, read, patch and cancel bookings, with Bookable's validation and conflict answers."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx
import pytest

from .support import Sandbox, booking_body, next_weekday

TUESDAY, SATURDAY = 1, 5
BOOKING_ID = re.compile(r"^\d+\|(CO|SR|ZO)\|[0-9a-f]{32}$")
JSON_PATCH = {"Content-Type": "application/json-patch+json"}


@pytest.fixture
def dinner(sandbox: Sandbox) -> str:
    return sandbox.product("Pasta Nostra Soho", "Dinner")


def book(api: httpx.Client, product: str, **changes: Any) -> httpx.Response:
    body = booking_body(next_weekday(TUESDAY), "19:30", **changes)
    return api.post(f"/venues/{product}/booking", json=body)


def patch(api: httpx.Client, booking_id: str, ops: list[dict[str, Any]]) -> httpx.Response:
    return api.patch(f"/venues/bookings/{booking_id}", json=ops, headers=JSON_PATCH)


def parse_z(value: str) -> datetime:
    assert value.endswith("Z")
    return datetime.fromisoformat(value)


def test_create_returns_the_full_booking(sandbox: Sandbox, api: httpx.Client, dinner: str) -> None:
    response = book(api, dinner, notes="Anniversary — candles please")

    assert response.status_code == 201
    booking = response.json()
    assert BOOKING_ID.match(booking["id"])
    assert booking["id"].startswith("42|ZO|")
    assert re.match(r"^BKA-[A-Z0-9]{4}$", booking["operatorBookingId"])
    assert booking["reference"].startswith("REF-")
    assert booking["status"] == "Confirmed"
    assert booking["compositeId"] == dinner
    assert (booking["firstName"], booking["lastName"], booking["partySize"]) == ("Jane", "Smith", 2)
    assert (booking["date"], booking["time"]) == (next_weekday(TUESDAY).isoformat(), "19:30")
    assert booking["venueGroupName"] == "Pasta Nostra"
    assert booking["productName"] == "Dinner"
    assert booking["notes"] == "Anniversary — candles please"
    assert parse_z(booking["createdDate"]) == parse_z(booking["lastUpdate"])
    assert api.get(f"/venues/bookings/{booking['id']}").json() == booking
    assert sandbox.snapshot()["bookings"][0]["id"] == booking["id"]


def test_an_enquiry_is_pending(sandbox: Sandbox, api: httpx.Client, dinner: str) -> None:
    response = book(api, dinner, partySize=10, type="request")

    assert response.status_code == 201
    assert response.json()["status"] == "Pending"


def test_missing_fields_are_named(api: httpx.Client, dinner: str) -> None:
    body = booking_body(next_weekday(TUESDAY), "19:30")
    del body["firstName"], body["email"]

    response = api.post(f"/venues/{dinner}/booking", json=body)

    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "VALID-N-001"
    assert "firstName" in problem["detail"] and "email" in problem["detail"]


def test_type_must_match_the_slot(api: httpx.Client, dinner: str) -> None:
    wrong_for_small = book(api, dinner, type="request")
    wrong_for_large = book(api, dinner, partySize=10)

    for response in (wrong_for_small, wrong_for_large):
        assert response.status_code == 422
        assert response.json()["code"] == "BOOK-N-002"


def test_a_slot_that_is_not_offered_is_409(api: httpx.Client, dinner: str) -> None:
    response = book(api, dinner, time="03:00")

    assert response.status_code == 409
    problem = response.json()
    assert (problem["code"], problem["title"], problem["isRetryable"]) == (
        "BOOK-N-001",
        "Slot Unavailable",
        False,
    )


def test_closed_day_and_unknown_product(sandbox: Sandbox, api: httpx.Client) -> None:
    guildhall = sandbox.product("Hawksmoor Guildhall", "Dinner")
    body = booking_body(next_weekday(SATURDAY), "19:00")

    closed = api.post(f"/venues/{guildhall}/booking", json=body)
    unknown = api.post(f"/venues/{guildhall[:-4]}ffff/booking", json=body)

    assert (closed.status_code, closed.json()["code"]) == (422, "AVAIL-N-004")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "AVAIL-N-001")


def test_preorder_required_products(sandbox: Sandbox, api: httpx.Client) -> None:
    tea = sandbox.product("Bancroft & Vale Mayfair", "Afternoon Tea")
    package = sandbox.venue("Bancroft & Vale Mayfair")["preorders"]["packages"][0]

    def with_package(package_id: str) -> dict[str, Any]:
        return {"packages": [{"id": package_id, "quantity": 2}]}

    without = book(api, tea, time="14:00")
    unknown = book(api, tea, time="14:00", preorders=with_package("nope"))
    chosen = book(api, tea, time="14:00", preorders=with_package(package["id"]))

    assert (without.status_code, without.json()["code"]) == (422, "BOOK-N-003")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "VALID-N-001")
    assert chosen.status_code == 201
    stored = chosen.json()["preorders"]["packages"]
    assert stored == [
        {
            "id": package["id"],
            "name": package["name"],
            "description": None,
            "type": package["type"],
            "price": package["price"],
            "quantity": 2,
        }
    ]


def test_patch_changes_details_and_moves_last_update(api: httpx.Client, dinner: str) -> None:
    booking = book(api, dinner).json()

    response = patch(
        api,
        booking["id"],
        [
            {"op": "replace", "path": "/partySize", "value": 4},
            {"op": "add", "path": "/notes", "value": "Window table"},
            {"op": "replace", "path": "/time", "value": "20:00"},
        ],
    )

    assert response.status_code == 200
    patched = response.json()
    assert (patched["partySize"], patched["notes"], patched["time"]) == (4, "Window table", "20:00")
    assert parse_z(patched["lastUpdate"]) > parse_z(booking["lastUpdate"])
    assert api.get(f"/venues/bookings/{booking['id']}").json() == patched


def test_patch_accepts_plain_json_content_type(api: httpx.Client, dinner: str) -> None:
    booking = book(api, dinner).json()

    ops = [{"op": "replace", "path": "/firstName", "value": "Janet"}]
    response = api.patch(f"/venues/bookings/{booking['id']}", json=ops)

    assert response.json()["firstName"] == "Janet"


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "replace", "path": "/status", "value": "Confirmed"}],
        [{"op": "replace", "path": "/location/city", "value": "Paris"}],
        [{"op": "add", "path": "/preorders/packages/0", "value": {"id": "x", "quantity": 1}}],
        [{"op": "remove", "path": "/email"}],
        [{"op": "move", "path": "/notes", "from": "/phone"}],
        [{"op": "replace", "path": "/partySize", "value": "lots"}],
        [{"op": "replace", "path": "/company", "value": "Acme"}],  # not listed as patchable
        [{"op": "replace", "path": "/spaceId", "value": 1}],
        [],
        {"op": "replace", "path": "/notes", "value": "not an array"},
    ],
)
def test_bad_patches_are_400(api: httpx.Client, dinner: str, ops: Any) -> None:
    booking = book(api, dinner).json()

    response = patch(api, booking["id"], ops)

    assert response.status_code == 400
    assert response.json()["code"] == "VALID-N-001"
    assert api.get(f"/venues/bookings/{booking['id']}").json() == booking


def test_patch_preorders_by_id(sandbox: Sandbox, api: httpx.Client) -> None:
    tea = sandbox.product("Bancroft & Vale Mayfair", "Afternoon Tea")
    classic, champagne = sandbox.venue("Bancroft & Vale Mayfair")["preorders"]["packages"]
    booking = book(
        api, tea, time="14:00", preorders={"packages": [{"id": classic["id"], "quantity": 2}]}
    ).json()

    response = patch(
        api,
        booking["id"],
        [
            {"op": "add", "path": "/preorders/packages/-", "value": {"id": champagne["id"]}},
            {"op": "replace", "path": f"/preorders/packages/{classic['id']}/quantity", "value": 3},
        ],
    )

    packages = {p["id"]: p["quantity"] for p in response.json()["preorders"]["packages"]}
    assert packages == {classic["id"]: 3, champagne["id"]: 1}
    emptied = patch(api, booking["id"], [{"op": "remove", "path": "/preorders/packages"}])
    assert (emptied.status_code, emptied.json()["code"]) == (422, "BOOK-N-003")


def test_patch_to_a_full_slot_is_409(api: httpx.Client, dinner: str) -> None:
    booking = book(api, dinner).json()
    while book(api, dinner, time="21:00").status_code == 201:
        pass

    response = patch(api, booking["id"], [{"op": "replace", "path": "/time", "value": "21:00"}])

    assert (response.status_code, response.json()["code"]) == (409, "BOOK-N-001")


def test_patch_beyond_the_venues_party_limit_is_409_and_changes_nothing(
    api: httpx.Client, dinner: str
) -> None:
    booking = book(api, dinner).json()

    response = patch(api, booking["id"], [{"op": "replace", "path": "/partySize", "value": 60}])

    assert (response.status_code, response.json()["code"]) == (409, "BOOK-N-001")
    assert api.get(f"/venues/bookings/{booking['id']}").json() == booking


def test_cancel_frees_the_table(sandbox: Sandbox, api: httpx.Client, dinner: str) -> None:
    first = book(api, dinner).json()
    while book(api, dinner).status_code == 201:
        pass

    assert api.delete(f"/venues/bookings/{first['id']}").status_code == 204

    cancelled = api.get(f"/venues/bookings/{first['id']}").json()
    assert cancelled["status"] == "Cancelled"
    assert book(api, dinner).status_code == 201
    assert api.delete(f"/venues/bookings/{first['id']}").status_code == 204  # idempotent
    late = patch(api, first["id"], [{"op": "replace", "path": "/notes", "value": "x"}])
    assert late.status_code == 409


def test_unknown_booking_is_404(api: httpx.Client) -> None:
    for method in ("GET", "DELETE"):
        response = api.request(method, "/venues/bookings/29|CO|deadbeef")
        assert response.status_code == 404
        assert response.json()["status"] == 404
