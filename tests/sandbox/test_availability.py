"""Availability: slot shapes, book/request/no-availability answers, closed and disabled days."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from .support import Sandbox, booking_body, next_weekday, today

TUESDAY, SATURDAY, SUNDAY = 1, 5, 6


def availability(
    api: httpx.Client, product: str, day: date, party: int = 2, **extra: str
) -> httpx.Response:
    params: dict[str, str | int] = {"date": day.isoformat(), "partySize": party, **extra}
    return api.get(f"/venues/{product}/availability", params=params)


def test_book_slots_every_half_hour(sandbox: Sandbox, api: httpx.Client) -> None:
    product = sandbox.product("Pasta Nostra Soho", "Dinner")
    day = next_weekday(TUESDAY)

    body = availability(api, product, day).json()

    assert body["name"] == "Dinner"
    assert set(body) >= {"deposit", "policy", "cancellationPolicy", "autoConfirmRule"}
    assert body["noAvailabilityCode"] is None and body["noAvailabilityReason"] is None
    times = [slot["time"] for slot in body["times"]]
    assert times == ["17:00", "17:30", "18:00", "18:30", "19:00", "19:30", "20:00", "20:30",
                     "21:00", "21:30"]  # fmt: skip
    for slot in body["times"]:
        assert slot["type"] == "book"
        assert slot["productId"] == product
        assert slot["requestReason"] is None
        assert slot["duration"] == 120
        assert "areas" not in slot
    assert availability(api, product, day).json() == body


def test_time_narrows_the_answer(sandbox: Sandbox, api: httpx.Client) -> None:
    product = sandbox.product("Pasta Nostra Soho", "Dinner")

    body = availability(api, product, next_weekday(TUESDAY), time="17:00").json()

    assert [slot["time"] for slot in body["times"]] == ["17:00", "17:30", "18:00", "18:30"]


def test_large_parties_get_enquiry_slots(sandbox: Sandbox, api: httpx.Client) -> None:
    product = sandbox.product("Pasta Nostra Soho", "Dinner")

    body = availability(api, product, next_weekday(TUESDAY), party=10).json()

    assert body["times"]
    assert {(s["type"], s["requestReason"]) for s in body["times"]} == {
        ("request", "exceeds_auto_confirm")
    }


def test_fully_booked_saturday_has_no_times(sandbox: Sandbox, api: httpx.Client) -> None:
    product = sandbox.product("Dishoom Covent Garden", "Dinner")

    body = availability(api, product, next_weekday(SATURDAY)).json()

    assert body["times"] == []
    assert body["noAvailabilityCode"] == "NO_AVAILABILITY"
    assert body["noAvailabilityReason"]


def test_enquiry_only_products(sandbox: Sandbox, api: httpx.Client) -> None:
    day, saturday = next_weekday(TUESDAY), next_weekday(SATURDAY)
    cases = [
        ("Hawksmoor Seven Dials", "Dinner", saturday, "fully_booked"),
        ("Saltwater Leith", "Chef's Table", day, "fully_booked"),
        ("Bancroft & Vale Mayfair", "Private Dining Room", day, "exceeds_auto_confirm"),
    ]
    for venue, name, when, reason in cases:
        product = sandbox.product(venue, name)
        times = availability(api, product, when).json()["times"]
        assert times, product
        assert {(s["type"], s["requestReason"]) for s in times} == {("request", reason)}


def test_product_only_on_sundays(sandbox: Sandbox, api: httpx.Client) -> None:
    product = sandbox.product("Hawksmoor Borough", "Sunday Roast")

    weekday = availability(api, product, next_weekday(TUESDAY)).json()
    sunday = availability(api, product, next_weekday(SUNDAY)).json()

    assert weekday["times"] == [] and weekday["noAvailabilityCode"] == "NO_ELIGIBLE_PRODUCTS"
    assert sunday["times"]


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        (None, None),  # the default: absent, the least helpful plausible form
        ("absent", None),
        ("ints", [1, 2]),
        ("objects", [{"id": 1, "name": "Main Dining Room"}, {"id": 2, "name": "Bar"}]),
    ],
)
def test_spaces_shape_knob(
    sandbox: Sandbox, api: httpx.Client, shape: str | None, expected: object
) -> None:
    if shape is not None:
        assert sandbox.control("knobs", {"spaces_shape": shape}).status_code == 200
    product = sandbox.product("Hawksmoor Edinburgh", "Dinner")

    slots = availability(api, product, next_weekday(TUESDAY)).json()["times"]

    assert slots
    assert all(slot.get("spaces") == expected for slot in slots)


def test_closed_weekday_is_422(sandbox: Sandbox, api: httpx.Client) -> None:
    product = sandbox.product("Hawksmoor Guildhall", "Dinner")

    response = availability(api, product, next_weekday(SATURDAY))

    assert response.status_code == 422
    assert response.json()["code"] == "AVAIL-N-004"


def test_operator_disabled_date_is_422(sandbox: Sandbox, api: httpx.Client) -> None:
    product = sandbox.product("Bancroft & Vale Mayfair", "Dinner")
    christmas = date(today().year, 12, 25)
    if christmas <= today():
        christmas = date(today().year + 1, 12, 25)

    response = availability(api, product, christmas)

    assert response.status_code == 422
    assert response.json()["code"] == "OPRUL-N-001"


def test_bad_requests(sandbox: Sandbox, api: httpx.Client) -> None:
    product = sandbox.product("Pasta Nostra Soho", "Dinner")
    yesterday = today() - timedelta(days=1)

    unknown = availability(api, product[:-4] + "0000", next_weekday(TUESDAY))
    past = availability(api, product, yesterday)
    no_party = api.get(f"/venues/{product}/availability", params={"date": "2030-01-01"})

    assert (unknown.status_code, unknown.json()["code"]) == (404, "AVAIL-N-001")
    assert (past.status_code, past.json()["code"]) == (400, "VALID-N-001")
    assert (no_party.status_code, no_party.json()["code"]) == (400, "VALID-N-001")


def test_bookings_take_tables_until_the_slot_is_gone(sandbox: Sandbox, api: httpx.Client) -> None:
    product = sandbox.product("Pasta Nostra Soho", "Dinner")
    day = next_weekday(TUESDAY)

    statuses = [
        api.post(f"/venues/{product}/booking", json=booking_body(day, "19:00")).status_code
        for _ in range(4)
    ]

    assert statuses[0] == 201 and statuses[-1] == 409  # 1 to 3 tables per slot
    times = [slot["time"] for slot in availability(api, product, day).json()["times"]]
    assert "19:00" not in times and "19:30" in times


def test_a_venue_id_answers_for_all_its_products(sandbox: Sandbox, api: httpx.Client) -> None:
    venue = sandbox.venue("Hawksmoor Borough")

    slots = availability(api, venue["id"], next_weekday(TUESDAY)).json()["times"]

    assert {slot["productId"] for slot in slots} == {
        sandbox.product("Hawksmoor Borough", "Lunch"),
        sandbox.product("Hawksmoor Borough", "Dinner"),
    }
