"""The availability feed's JSON is not documented: every plausible shape reads, junk is
skipped, and a file with nothing readable gives None (the caller asks live availability)."""

from __future__ import annotations

import gzip
import json
from datetime import date
from typing import Any

import httpx
import pytest

from bot.bookable.feed import MAX_FEED_BYTES, FeedSlot, feed_days, read_feed
from bot.bookable.models import SlotType

DAY, NEXT = date(2030, 8, 15), date(2030, 8, 16)


@pytest.mark.parametrize(
    "data",
    [
        {"days": [{"date": "2030-08-15", "times": [{"time": "19:00"}, {"time": "18:30:00"}]}]},
        {"availability": {"2030-08-15": ["19:00", "18:30"]}},
        [{"date": "2030-08-15", "time": "19:00"}, {"date": "2030-08-15", "time": "18:30"}],
        {"data": {"dates": [{"day": "2030-08-15T00:00:00Z", "slots": ["18:30", "19:00"]}]}},
    ],
)
def test_plausible_shapes_read_the_same(data: Any) -> None:
    days = feed_days(data)
    assert days is not None
    assert [slot.time for slot in days[DAY]] == ["18:30", "19:00"]


def test_types_and_party_bounds_are_kept_and_junk_skipped() -> None:
    data = {
        "2030-08-15": [
            {"time": "19:00", "type": "request", "maxPartySize": 4},
            {"time": "19:30", "partySizes": [2, 6]},
            {"time": "20:00", "available": False},
            {"time": "nonsense"},
            7,
            None,
        ],
        "2030-08-16": [{"time": "12:00", "minParty": 3, "type": "brand_new"}],
    }
    days = feed_days(data)
    assert days is not None
    first, second = days[DAY]
    assert first == FeedSlot("19:00", SlotType.REQUEST, None, 4)
    assert first.fits(4) and not first.fits(5)
    assert second.fits(6) and not second.fits(3)
    [later] = days[NEXT]
    assert later.type is SlotType.UNKNOWN and not later.fits(2) and later.fits(3)


@pytest.mark.parametrize("data", [None, [], {}, "x", {"times": ["19:00"]}, [[[[[[[[1]]]]]]]]])
def test_nothing_readable_is_none(data: Any) -> None:
    assert feed_days(data) is None


@pytest.mark.parametrize("content_encoding", [True, False])
async def test_a_feed_is_read_gzipped_either_way(content_encoding: bool) -> None:
    body = gzip.compress(json.dumps({"2030-08-15": ["19:00"]}).encode())

    def answer(request: httpx.Request) -> httpx.Response:
        assert "authorization" not in request.headers  # feeds need no token
        headers = {"Content-Encoding": "gzip"} if content_encoding else {}
        return httpx.Response(200, content=body, headers=headers)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        data = await read_feed(http, "https://feeds.example/29/abc/def.json.gz")
    assert data == {"2030-08-15": ["19:00"]}


async def test_a_feed_that_unpacks_too_large_is_refused() -> None:
    bomb = gzip.compress(b" " * (MAX_FEED_BYTES + 1))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bomb)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        with pytest.raises(ValueError, match="too large"):
            await read_feed(http, "https://feeds.example/bomb.json.gz")
