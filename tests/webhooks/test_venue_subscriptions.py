"""Venue and group subscriptions against Bookable's documented webhooks, end to end.

Bookable's webhook bookings carry `compositeId` but no venue or group name (§8.2), and the
embedded sandbox sends exactly that (its `webhook_extras` knob stays off). Bookings are
made by another partner straight on the sandbox API, so the app knows nothing about them
but the webhook: it must find the venue from the compositeId to match subscriptions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from bot.devtools.fake_slack import BOT_USER_ID, Channel
from bot.devtools.stack import LocalStack
from tests.slack.flow import WAIT, book_directly, next_weekday, sandbox_token, section_text

pytestmark = pytest.mark.timeout(90)

WEDNESDAY = 2
MEMBERS = [BOT_USER_ID, "U_BOB"]


def _product(stack: LocalStack, venue_name: str, product: str = "Dinner") -> str:
    """The compositeId of a seeded venue's product, as any partner finds it in GET /venues."""
    token = sandbox_token(stack)
    found = httpx.get(
        f"{stack.sandbox_url}/venues",
        params={"venueName": venue_name},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()["data"]
    [venue] = [v for v in found if v["name"] == venue_name]
    return str(next(p["compositeId"] for p in venue["products"] if p["productName"] == product))


async def _subscribe(stack: LocalStack, channel: str, text: str) -> None:
    """`/bookable <text>` in `channel`, as U_BOB; returns once the app confirmed it."""
    assert stack.driver is not None
    stack.fake.add_channel(Channel(channel, channel.lower(), list(MEMBERS)))
    response = await stack.driver.command("U_BOB", channel, text)
    assert response.status_code == 200, response.text

    def confirmed() -> bool:  # the app's ephemeral answer to U_BOB
        return any(
            "now gets booking updates" in section_text(m)
            for m in stack.fake.messages(channel)
            if m.get("ephemeral_to") == "U_BOB"
        )

    await stack.fake.wait_for(confirmed, within=WAIT)


def _texts(stack: LocalStack, channel: str, needle: str = "") -> list[str]:
    """Texts of the channel's messages everyone sees (subscription notices), optionally
    only those containing `needle`."""
    shown = [section_text(m) for m in stack.fake.messages(channel) if not m.get("ephemeral_to")]
    return [text for text in shown if needle in text]


def _book_elsewhere(stack: LocalStack, venue_name: str, on: date, time: str) -> dict[str, Any]:
    response = book_directly(stack, _product(stack, venue_name), on, time, 2)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _notice(stack: LocalStack, channel: str, needle: str) -> list[str]:
    return await stack.fake.wait_for(lambda: _texts(stack, channel, needle), within=WAIT)


async def test_a_venue_subscription_gets_bookings_made_elsewhere(stack: LocalStack) -> None:
    await _subscribe(stack, "C_HAWKS", "subscribe venue:hawksmoor")

    booking = _book_elsewhere(stack, "Hawksmoor Borough", next_weekday(WEDNESDAY), "19:00")

    [notice] = await _notice(stack, "C_HAWKS", "Booking at")
    assert "Hawksmoor Borough" in notice and "(Hawksmoor)" in notice
    assert "unknown venue" not in notice
    assert booking["reference"] in notice


async def test_a_group_subscription_gets_every_venue_of_the_group(stack: LocalStack) -> None:
    await _subscribe(stack, "C_GROUP", "subscribe group:hawksmoor")
    on = next_weekday(WEDNESDAY)

    _book_elsewhere(stack, "Hawksmoor Borough", on, "19:00")
    _book_elsewhere(stack, "Hawksmoor Manchester", on, "20:00")

    await stack.fake.wait_for(lambda: len(_texts(stack, "C_GROUP", "Booking at")) == 2, within=WAIT)
    notices = _texts(stack, "C_GROUP", "Booking at")
    assert any("Hawksmoor Borough" in n for n in notices)
    assert any("Hawksmoor Manchester" in n for n in notices)


async def test_a_channel_subscribed_to_another_venue_gets_nothing(stack: LocalStack) -> None:
    await _subscribe(stack, "C_DISHOOM", "subscribe venue:dishoom shoreditch")
    await _subscribe(stack, "C_HAWKS", "subscribe venue:hawksmoor borough")
    on = next_weekday(WEDNESDAY)

    _book_elsewhere(stack, "Hawksmoor Borough", on, "19:00")
    await _notice(stack, "C_HAWKS", "Hawksmoor Borough")  # that booking's job has run
    # Sentinel: a booking the channel does follow, made after the Hawksmoor one.
    _book_elsewhere(stack, "Dishoom Shoreditch", on, "19:00")
    await _notice(stack, "C_DISHOOM", "Booking at")

    [only] = _texts(stack, "C_DISHOOM", "Booking at")
    assert "Dishoom Shoreditch" in only and "Hawksmoor" not in only
    assert _texts(stack, "C_HAWKS", "Dishoom") == []
