""" "Add to calendar": the confirmation's signed `.ics` link serves a valid event (parsed
back here), a forged or expired link is refused with a 4xx and a plain sentence."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx
import icalendar
import pytest

from bot.devtools.stack import LocalStack
from bot.slack.mrkdwn import unescape

from .flow import WAIT, settled
from .test_reminders_flow import booked, run_reminders, starts_at, the_booking

LINK = re.compile(r"<([^|>]+)\|([^>]+)>")
DEFAULT_MINUTES = 120


def links(message: dict[str, Any]) -> dict[str, str]:
    """Label → URL of the mrkdwn links in a message's blocks."""
    found: dict[str, str] = {}
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("type") == "mrkdwn":
                for url, label in LINK.findall(element["text"]):
                    found[label] = unescape(url)
    return found


async def fetch(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        return await client.get(url)


async def test_the_ics_link_serves_the_booking_as_an_event(stack: LocalStack) -> None:
    message = await booked(stack)
    booking = the_booking(stack)
    found = links(message)
    ics_url = found["Add to calendar (.ics)"]
    assert ics_url.startswith(f"{stack.app_url}/calendar/")

    response = await fetch(ics_url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    start = starts_at(booking)
    minutes = booking.get("duration") or DEFAULT_MINUTES
    assert event.decoded("dtstart") == start
    assert event.decoded("dtend") == start + dt.timedelta(minutes=minutes)
    assert str(event["summary"]) == "Table at Dishoom Covent Garden"
    assert "12 Upper St Martin's Lane" in str(event["location"])
    assert booking["reference"] in str(event["description"]) or booking["id"] in str(
        event["description"]
    )
    assert str(event["uid"]).endswith("@bookable-bot")

    google = urlsplit(found["Google Calendar"])
    assert (google.scheme, google.netloc, google.path) == (
        "https", "calendar.google.com", "/calendar/render",
    )  # fmt: skip
    query = parse_qs(google.query)
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == ["Table at Dishoom Covent Garden"]
    stamp = start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert query["dates"][0].startswith(stamp + "/")
    assert "12 Upper St Martin's Lane" in query["location"][0]


def _tampered(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()} | changes
    return parts._replace(query=urlencode(query)).geturl()


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda url: _tampered(url, sig="A" * 43), id="signature"),
        pytest.param(lambda url: _tampered(url, exp="9999999999"), id="expiry"),
        pytest.param(lambda url: url.split("?")[0], id="no-query"),
        pytest.param(
            lambda url: re.sub(r"/calendar/[^.]+", "/calendar/Ym9ndXM", url), id="other-booking"
        ),
        pytest.param(lambda url: re.sub(r"/calendar/[^.]+", "/calendar/%FF%FE", url), id="junk"),
        pytest.param(lambda url: url.replace(".ics?", ".txt?"), id="not-ics"),
    ],
)
async def test_a_forged_link_is_refused(stack: LocalStack, forge: Any) -> None:
    message = await booked(stack)
    url = links(message)["Add to calendar (.ics)"]
    response = await fetch(forge(url))
    assert response.status_code == 403
    assert response.text.strip() == "This calendar link is not valid."


async def test_an_expired_link_is_refused_and_a_cancelled_booking_has_none(
    stack: LocalStack,
) -> None:
    message = await booked(stack)
    url = links(message)["Add to calendar (.ics)"]
    start = starts_at(the_booking(stack))
    await run_reminders(stack, to=start + dt.timedelta(days=7, seconds=1))  # CALENDAR_LINK_DAYS
    response = await fetch(url)
    assert response.status_code == 410
    assert "expired" in response.text

    await run_reminders(stack, to=start - dt.timedelta(days=1))
    assert (await fetch(url)).status_code == 200
    booking_id = the_booking(stack)["id"]
    stack.sandbox_control(f"bookings/{quote(booking_id, safe='')}/status", {"status": "cancelled"})
    await settled(stack)
    response = await fetch(url)
    assert response.status_code == 410
    assert "no longer on" in response.text
    updated = stack.fake.message("C_GENERAL", message["ts"])
    assert updated is not None and links(updated) == {}  # no calendar links once cancelled
