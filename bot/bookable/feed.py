"""Bookable's availability feed (bookable-api.md §9): per product, a gzip JSON file at
`products[].feedUrl` (null until one exists), no auth, no rate limit, up to 90 days of
slots, regenerated every 4 hours.

The JSON inside is NOT DOCUMENTED, so it is read tolerantly: any object (at any depth) with
a date (`date`/`day`, `YYYY-MM-DD`) and either a `time` or a list of `times`/`slots`, or an
object keyed by dates whose values are such lists. Slot items may be `"HH:MM"` strings or
objects with `time`, optional `type` (`book`/`request`) and party bounds (`minPartySize`/
`maxPartySize`, `minParty`/`maxParty`, or a `partySizes` list). Anything else is skipped; a
file with no slot we can read gives None, and the caller asks live availability instead.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import httpx

from bot.bookable.models import SlotType

MAX_FEED_BYTES = 20 * 1024 * 1024  # unpacked; 90 days of slots is far below this
MAX_DEPTH = 6


@dataclass(frozen=True)
class FeedSlot:
    time: str  # HH:MM
    type: SlotType = SlotType.BOOK
    min_party: int | None = None
    max_party: int | None = None
    party_sizes: frozenset[int] | None = None

    def fits(self, party: int) -> bool:
        if self.party_sizes is not None:
            return party in self.party_sizes
        low_ok = self.min_party is None or party >= self.min_party
        return low_ok and (self.max_party is None or party <= self.max_party)


async def read_feed(http: httpx.AsyncClient, url: str) -> Any:
    """The feed's JSON. gzip whether or not the server says `Content-Encoding: gzip`."""
    response = await http.get(url, headers={"Accept": "application/json, application/gzip"})
    response.raise_for_status()
    body = response.content
    if body[:2] == b"\x1f\x8b":  # bounded: a small file must not unpack into gigabytes
        unpacker = zlib.decompressobj(wbits=31)
        body = unpacker.decompress(body, MAX_FEED_BYTES)
        if unpacker.unconsumed_tail:
            raise ValueError("feed too large")
    if len(body) > MAX_FEED_BYTES:
        raise ValueError("feed too large")
    return json.loads(body)


def feed_days(data: Any) -> dict[date, list[FeedSlot]] | None:
    """Slots by date, or None when nothing in `data` reads as a slot."""
    days: dict[date, list[FeedSlot]] = {}
    for day, slot in _walk(data, None, 0):
        days.setdefault(day, []).append(slot)
    if not days:
        return None
    for slots in days.values():
        slots.sort(key=lambda s: s.time)
    return days


def _walk(node: Any, day: date | None, depth: int) -> Iterator[tuple[date, FeedSlot]]:
    if depth > MAX_DEPTH:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, day, depth + 1)
        return
    if not isinstance(node, dict):
        if day is not None and (slot := _slot(node)) is not None:
            yield day, slot
        return
    own_day = _date(node.get("date", node.get("day"))) or day
    if own_day is not None and "time" in node:
        if (slot := _slot(node)) is not None:
            yield own_day, slot
        return
    for key, value in node.items():
        keyed_day = _date(key)
        if keyed_day is not None:
            yield from _walk(value, keyed_day, depth + 1)
        elif isinstance(value, list | dict):
            yield from _walk(value, own_day, depth + 1)


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _hhmm(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return time.fromisoformat(value.strip()[:8]).strftime("%H:%M")
    except ValueError:
        return None


def _slot(item: Any) -> FeedSlot | None:
    if isinstance(item, str):
        hhmm = _hhmm(item)
        return FeedSlot(hhmm) if hhmm else None
    if not isinstance(item, dict):
        return None
    hhmm = _hhmm(item.get("time"))
    if hhmm is None:
        return None
    if item.get("available") is False:
        return None
    sizes = item.get("partySizes")
    return FeedSlot(
        hhmm,
        SlotType(item["type"]) if isinstance(item.get("type"), str) else SlotType.BOOK,
        _int(item.get("minPartySize", item.get("minParty"))),
        _int(item.get("maxPartySize", item.get("maxParty"))),
        frozenset(s for s in sizes if isinstance(s, int)) if isinstance(sizes, list) else None,
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
