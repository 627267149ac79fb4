"""`VenueDirectory`: which venue (name, group) a booking's `compositeId` belongs to.

Bookable's webhook bookings (§8.2) carry `compositeId` but no venue or group name, so
channel subscriptions and notices look the venue up: first in the names stored for
bookings made through the app, else `GET /venues/{venueId}`, where the venue id is the
venue segment of the compositeId (§3.4 `{n}|{TMS}|{venue}|{product}`).

Per process and safe to miss: a `CoalescingCache` (cachetools) keeps venues for a while,
with one Bookable call per venue in flight. Bookable saying "no such venue" is cached
briefly as unknown; a failure that may pass (no answer, 5xx, 429, credentials) raises, so
the caller can try again later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bot.bookable.errors import BookableProblem, Forbidden, RateLimited, Unauthorized
from bot.bookable.models import Venue
from bot.service.search import CoalescingCache

if TYPE_CHECKING:
    from bot.bookable.client import BookableClient
    from bot.store import Store

log = logging.getLogger(__name__)

VENUE_TTL = 15 * 60.0  # venue names rarely change
UNKNOWN_TTL = 60.0  # a venue Bookable did not know may appear soon (new operator)
MAX_VENUES = 2000
COMPOSITE_SEGMENTS = 4


class _Unknown:
    """Bookable answered that there is no such venue."""

    def __repr__(self) -> str:
        return "UNKNOWN_VENUE"


UNKNOWN_VENUE: Final = _Unknown()


@dataclass(frozen=True)
class VenueNames:
    venue: str
    group: str | None


def venue_key(composite_id: str) -> str:
    """The venue segment of a product's compositeId; other shapes are used whole."""
    parts = composite_id.split("|")
    if len(parts) >= COMPOSITE_SEGMENTS and parts[2]:
        return parts[2]
    return composite_id


def is_permanent(error: BookableProblem) -> bool:
    """Bookable refused this venue id for good (404 and other 4xx about the request);
    credentials and rate limits can pass, so they are not."""
    if isinstance(error, Unauthorized | Forbidden | RateLimited):
        return False
    return 400 <= error.status < 500


class VenueDirectory:
    def __init__(
        self,
        bookable: BookableClient,
        store: Store,
        *,
        ttl: float = VENUE_TTL,
        unknown_ttl: float = UNKNOWN_TTL,
        max_entries: int = MAX_VENUES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bookable = bookable
        self._store = store
        self._cache: CoalescingCache[Venue | _Unknown] = CoalescingCache(
            ttl,
            max_entries=max_entries,
            clock=clock,
            ttl_for=lambda found: unknown_ttl if found is UNKNOWN_VENUE else ttl,
        )

    @property
    def fetches(self) -> int:
        """Bookable calls made (for tests)."""
        return self._cache.fetches

    def remember(self, venue: Venue) -> None:
        """A venue seen in search results: a Book click on it needs no extra call."""
        for key in {venue_key(product.composite_id) for product in venue.products}:
            self._cache.put(key, venue)

    async def venue(self, composite_id: str, *, venue_id: str | None = None) -> Venue | None:
        """The venue offering `composite_id`; None when Bookable has no such venue.

        `venue_id` (the venue's own id, when a search result gave one) is what Bookable is
        asked for; otherwise the compositeId's venue segment. Raises `BookableError` when
        Bookable cannot answer now.
        """
        key = venue_key(composite_id)
        found = await self._cache.get(key, lambda: self._fetch(venue_id or key))
        return found if isinstance(found, Venue) else None

    async def names(self, composite_id: str) -> VenueNames | None:
        """Venue and group names for `composite_id`; None when no venue can be found.
        Raises `BookableError` when Bookable cannot answer now."""
        cached = self._cache.peek(venue_key(composite_id))
        if isinstance(cached, Venue):
            return _names(cached)
        stored = await self._store.venue_names(composite_id)
        if stored is not None:
            return VenueNames(*stored)
        venue = await self.venue(composite_id)
        return _names(venue) if venue is not None else None

    async def _fetch(self, venue_id: str) -> Venue | _Unknown:
        try:
            return (await self._bookable.get_venue(venue_id)).data
        except BookableProblem as error:
            if not is_permanent(error):
                raise
            log.info("venue %s: Bookable does not know it (%s)", venue_id, error.status)
            return UNKNOWN_VENUE


def _names(venue: Venue) -> VenueNames | None:
    name = venue.name.strip()
    if not name:
        return None  # nothing to show or match: better unknown than wrong
    group = (venue.venue_group_name or "").strip() or None
    return VenueNames(name, group)


__all__ = ["UNKNOWN_VENUE", "VenueDirectory", "VenueNames", "venue_key"]
