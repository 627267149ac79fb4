"""Fixtures for the Slack surface: hostile names, venues and booking records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from bot.bookable.models import Location, PreorderMenu, PreorderPackage, Preorders, Product, Venue
from bot.devtools.stack import LocalStack
from bot.store.records import BookingRecord

HOSTILE = "<!channel> & <@U1> <https://evil.example|Your bank> "
LONG_HOSTILE = (HOSTILE * 10)[:300]


@pytest.fixture
def hostile() -> str:
    return HOSTILE


def make_venue(
    index: int = 0,
    *,
    name: str | None = None,
    products: int = 2,
    preorder_required: bool = False,
    packages: int = 0,
    menus: int = 0,
    text: str = "",
) -> Venue:
    venue_id = f"{index:032x}"
    return Venue(
        id=venue_id,
        name=name if name is not None else f"Venue {index}",
        venueGroupName=("Group " + text) if text else "Group",
        description=("A place " + text) if text else "A place",
        features=["dog_friendly", "wifi", text or "quiet", "romantic", "lively"],
        location=Location(city="London " + text, area="Soho"),
        products=[
            Product(
                compositeId=f"29|CO|{venue_id}|{p:032x}",
                productName=("Dinner " + text) if text else f"Dinner {p}",
                preOrderRequired=preorder_required,
            )
            for p in range(products)
        ],
        preorders=Preorders(
            packages=[
                PreorderPackage(id=f"pkg{i}", name=f"Package {i} {text}", price=8.5, type="drink")
                for i in range(packages)
            ],
            menus=[PreorderMenu(id=f"menu{i}", name=f"Set menu {i} {text}") for i in range(menus)],
        ),
    )


@pytest.fixture
def venue_factory() -> Callable[..., Venue]:
    return make_venue


def make_record(**changes: Any) -> BookingRecord:
    values: dict[str, Any] = {
        "booking_id": "29|CO|550e8400e29b41d4a716446655440000",
        "team_id": "T1",
        "user_id": "U_ALICE",
        "channel_id": "C_GENERAL",
        "message_ts": "1700000000.000100",
        "venue_name": "Dishoom Covent Garden",
        "venue_group": "Dishoom",
        "product_name": "Dinner",
        "composite_id": "29|CO|abc|def",
        "date": dt.date(2030, 8, 15),
        "time": "19:00",
        "party_size": 4,
        "status": "confirmed",
        "operator_ref": "BKA-7X2P",
    }
    values.update(changes)
    return BookingRecord(**values)


@pytest.fixture
def record_factory() -> Callable[..., BookingRecord]:
    return make_record


@pytest.fixture
def stack_with() -> Any:
    """`stack_with(**settings)`: a LocalStack with settings overrides, stopped afterwards."""
    started: list[LocalStack] = []

    def start(**overrides: Any) -> LocalStack:
        stack = LocalStack(settings_overrides=overrides).start()
        started.append(stack)
        return stack

    yield start
    for stack in started:
        stack.stop()
