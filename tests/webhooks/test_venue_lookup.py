"""The notifier names venues of bookings made elsewhere from their compositeId.

Documented webhook bookings (§8.2) carry no venue or group name. The notifier asks a
`VenueDirectory` (a real client against a real sandbox) before matching subscriptions: a
venue nobody can find reaches only subscriptions without a venue or group filter, and a
lookup that fails for now leaves the job for a later retry.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from bot.bookable.client import BookableClient
from bot.config import Settings
from bot.devtools.fake_slack import BOT_USER_ID, Channel, FakeSlack
from bot.devtools.serving import BackgroundServer
from bot.notify.notifier import Notifier
from bot.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from bot.sandbox.seed import seed_venues
from bot.service.venues import VenueDirectory
from bot.store import Store

from .conftest import Drain, WebhookServer
from .support import at, booking_json, envelope

pytestmark = pytest.mark.timeout(60)

UNKNOWN = "31|SR|0123456789abcdef01234567|89abcdef0123456789abcdef"
TEAM = "T0PLAYGRND"


def _product(venue_name: str) -> str:
    [venue] = [v.data for v in seed_venues() if v.data["name"] == venue_name]
    return str(venue["products"][0]["compositeId"])


def documented(booking_id: str, status: str, minute: float, composite_id: str) -> dict[str, Any]:
    """A webhook booking with exactly the documented fields: no venue or group name."""
    booking = booking_json(booking_id, status, at(minute))
    del booking["venueName"], booking["venueGroupName"]
    return booking | {"compositeId": composite_id}


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with BackgroundServer(create_sandbox_app(SandboxState(SandboxConfig()))) as server:
        yield server.url


@pytest.fixture
async def venues(
    settings: Settings, store: Store, sandbox_url: str
) -> AsyncIterator[VenueDirectory]:
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as control:
        (await control.post("/_control/reset")).raise_for_status()
    bookable = BookableClient.from_settings(
        settings, api_url=sandbox_url, auth_url=f"{sandbox_url}/oauth/token"
    )
    await bookable.tokens.token()  # so a forced failure hits the venue call itself
    yield VenueDirectory(bookable, store)
    await bookable.aclose()


def _texts(fake: FakeSlack, channel: str) -> list[str]:
    return [m["text"] + json.dumps(m.get("blocks") or []) for m in fake.messages(channel)]


async def _subscribe(store: Store, fake: FakeSlack, channel: str, **filters: str) -> None:
    fake.add_channel(Channel(channel, channel.lower(), [BOT_USER_ID]))
    await store.add_subscription(TEAM, channel, created_by="U_BOB", **filters)


async def test_an_unknown_venue_reaches_only_subscriptions_without_names(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
    venues: VenueDirectory,
) -> None:
    await _subscribe(store, fake, "C_HAWKS", venue="hawksmoor")
    await _subscribe(store, fake, "C_GROUP", group="hawksmoor")
    await _subscribe(store, fake, "C_CONFIRMED", status="confirmed")
    body = envelope(
        documented("29|CO|u1", "confirmed", 1, UNKNOWN),
        documented("29|CO|h1", "confirmed", 1, _product("Hawksmoor Borough")),
    )
    assert (await webhook_server().post(body)).status_code == 204

    await drain_outbox(make_notifier(venues=venues), store)

    confirmed = _texts(fake, "C_CONFIRMED")
    assert len(confirmed) == 2
    assert sum("an unknown venue" in text for text in confirmed) == 1
    assert sum("Hawksmoor Borough" in text for text in confirmed) == 1
    for channel in ("C_HAWKS", "C_GROUP"):  # only the known Hawksmoor booking
        [notice] = _texts(fake, channel)
        assert "Hawksmoor Borough" in notice and "REF-|CO|h1" in notice


@pytest.mark.parametrize("settings_overrides", [{"bookable_max_retries": 0}])
async def test_a_lookup_that_fails_for_now_is_retried(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
    venues: VenueDirectory,
    sandbox_url: str,
) -> None:
    await _subscribe(store, fake, "C_HAWKS", venue="hawksmoor borough")
    body = envelope(documented("29|CO|h2", "confirmed", 1, _product("Hawksmoor Borough")))
    assert (await webhook_server().post(body)).status_code == 204
    notifier = make_notifier(venues=venues)
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as control:
        knobs = {"fail_next": {"count": 1, "status": 503}}
        (await control.post("/_control/knobs", json=knobs)).raise_for_status()

    assert await notifier.run_once() == 1  # Bookable answers 503: no notice yet

    assert fake.messages("C_HAWKS") == []
    assert (await store.outbox_stats())["pending"] == 1
    await drain_outbox(notifier, store)
    [notice] = _texts(fake, "C_HAWKS")
    assert "Hawksmoor Borough" in notice
