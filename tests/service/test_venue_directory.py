"""`VenueDirectory` against the real client, a real sandbox on loopback and a real store."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bot.bookable.client import BookableClient
from bot.bookable.errors import ServerError
from bot.config import Settings, load_settings
from bot.devtools.serving import BackgroundServer
from bot.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from bot.sandbox.seed import seed_venues
from bot.service.booking import BookingService
from bot.service.venues import VenueDirectory, VenueNames, venue_key
from bot.store import Store
from tests.webhooks.support import booking_record

UNKNOWN = "31|SR|0123456789abcdef01234567|89abcdef0123456789abcdef"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with BackgroundServer(create_sandbox_app(SandboxState(SandboxConfig()))) as server:
        yield server.url


@pytest.fixture
def settings(sandbox_url: str, tmp_path: Path) -> Settings:
    httpx.post(f"{sandbox_url}/_control/reset", timeout=10).raise_for_status()
    return load_settings(
        need_slack=False, _env_file=None, bookable_env="local", bookable_max_retries=0,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
    )  # fmt: skip


@pytest.fixture
async def bookable(settings: Settings, sandbox_url: str) -> AsyncIterator[BookableClient]:
    client = BookableClient.from_settings(
        settings, api_url=sandbox_url, auth_url=f"{sandbox_url}/oauth/token"
    )
    yield client
    await client.aclose()


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    opened = await Store.connect(settings.database_url)
    yield opened
    await opened.close()


def _products(venue_name: str) -> list[str]:
    """Every product compositeId of a venue of the sandbox's seed."""
    [venue] = [v.data for v in seed_venues() if v.data["name"] == venue_name]
    return [p["compositeId"] for p in venue["products"]]


def test_the_venue_key_is_the_venue_segment_of_a_composite_id() -> None:
    assert venue_key("29|CO|275cc44dd2e2496fba44857c9257443a|d99128c5") == (
        "275cc44dd2e2496fba44857c9257443a"
    )
    assert venue_key("29|CO|275cc44d") == "29|CO|275cc44d"  # not a product id: used whole
    assert venue_key("opaque") == "opaque"


async def test_names_come_from_the_composite_id_with_one_call_per_venue(
    bookable: BookableClient, store: Store
) -> None:
    directory = VenueDirectory(bookable, store)
    dinner, *others = _products("Hawksmoor Borough")

    names = await asyncio.gather(*(directory.names(dinner) for _ in range(20)))

    assert set(names) == {VenueNames("Hawksmoor Borough", "Hawksmoor")}
    assert await directory.names(others[0]) == VenueNames("Hawksmoor Borough", "Hawksmoor")
    assert directory.fetches == 1  # concurrent lookups shared one call; the venue is cached


async def test_names_stored_for_app_bookings_come_first(
    bookable: BookableClient, store: Store
) -> None:
    dinner = _products("Hawksmoor Borough")[0]
    record = dataclasses.replace(booking_record("29|CO|app1"), composite_id=dinner)
    await store.save_booking(record)
    directory = VenueDirectory(bookable, store)

    assert await directory.names(dinner) == VenueNames(record.venue_name, record.venue_group)
    assert directory.fetches == 0


async def test_an_unknown_venue_is_remembered_briefly(
    bookable: BookableClient, store: Store
) -> None:
    clock = Clock()
    directory = VenueDirectory(bookable, store, unknown_ttl=60, clock=clock)

    assert await directory.names(UNKNOWN) is None
    assert await directory.names(UNKNOWN) is None
    assert directory.fetches == 1
    clock.now += 61
    assert await directory.names(UNKNOWN) is None
    assert directory.fetches == 2


async def test_a_failure_that_may_pass_raises_and_is_not_cached(
    bookable: BookableClient, store: Store, sandbox_url: str
) -> None:
    directory = VenueDirectory(bookable, store)
    dinner = _products("Hawksmoor Borough")[0]
    await bookable.tokens.token()  # the failure must hit the venue call itself
    knobs = {"fail_next": {"count": 1, "status": 503}}
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as control:
        (await control.post("/_control/knobs", json=knobs)).raise_for_status()

    with pytest.raises(ServerError):
        await directory.names(dinner)

    assert await directory.names(dinner) == VenueNames("Hawksmoor Borough", "Hawksmoor")


async def test_a_book_click_finds_its_venue_in_a_process_that_never_searched(
    bookable: BookableClient, store: Store, settings: Settings
) -> None:
    """Documented search results carry no venue id; the compositeId is enough."""
    fresh_process = BookingService(bookable, store, settings)
    dinner = _products("Hawksmoor Borough")[0]

    venue = await fresh_process.venue_for(None, dinner)

    assert venue is not None and venue.name == "Hawksmoor Borough"
    assert venue.product(dinner) is not None
    assert await fresh_process.venue_for(None, UNKNOWN) is None
