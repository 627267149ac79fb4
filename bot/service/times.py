"""Free times for search results, within Bookable's rate limit.

Bookable allows 200 calls a minute per client, and its live availability is meant for
"right before booking" (bookable-api.md §6.3, §9). So results use, per product:
1. its availability feed (`feedUrl`: gzip JSON, no auth, no rate limit) when Bookable has
   one and we can read it (`bot.bookable.feed`), else
2. live availability through a short-lived coalescing cache (`CoalescingCache`), paid for
   from a per-minute budget (`MinuteBudget`, one per Bookable account: the workspace's own
   when it connected one, else the operator's) and never while Bookable says fewer than
   `search_times_reserve` calls are left this minute.
When neither can answer, the venue is `known=False`: results fall back to its meal buttons
and the modal loads the times live. A 429 is never waited for here and never shown.
Team meal plans use the same path (`product_times`, `check_slot`) for their options.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import time as clock_time
from typing import TYPE_CHECKING, Literal

from bot.bookable.errors import BookableError, BookableProblem, RateLimited
from bot.bookable.feed import FeedSlot, feed_days
from bot.bookable.models import Availability, Product, SlotType, Venue
from bot.config import Settings
from bot.service.accounts import current_account
from bot.service.search import CoalescingCache

if TYPE_CHECKING:
    from bot.bookable.client import BookableClient

log = logging.getLogger(__name__)

PER_VENUE = 5  # time buttons per venue
NEARBY = 3  # free times offered near a time that is not free
FEED_TTL = 900.0  # feeds are regenerated every 4 hours; a quarter hour keeps them fresh
NEXT_FREE_DAYS = 14  # how far a feed is searched for a venue's next free day
# Statuses that say "not right now" rather than "this product has nothing that day".
_TRANSIENT = {401, 403, 408, 425, 429}


@dataclass(frozen=True)
class FreeTime:
    composite_id: str
    product_name: str
    time: str  # HH:MM, the venue's local time
    enquiry: bool  # a `request` slot: the venue confirms later


@dataclass(frozen=True)
class VenueTimes:
    venue: Venue
    times: list[FreeTime] = field(default_factory=list)
    known: bool = True  # False: not looked up (budget, Bookable trouble): times load in the modal
    next_free: date | None = None  # only when cheap to know (a feed)


@dataclass(frozen=True)
class SlotCheck:
    """Whether one time is free for a party: `free` (book now), `enquiry` (a request the
    venue confirms) or `taken`, with the free times nearest to it then."""

    time: str  # HH:MM, venue time
    party: int
    status: Literal["free", "enquiry", "taken"]
    nearby: tuple[FreeTime, ...] = ()


class BudgetSpent(Exception):
    """No live availability call left for search results this minute."""


class MinuteBudget:
    """At most `per_minute` calls in each fixed minute (Bookable's windows are fixed too);
    `hold(seconds)` spends the rest (after a 429 or a low `X-RateLimit-Remaining`)."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._window = -1
        self._used = 0
        self._held_until = 0.0

    def _roll(self) -> float:
        now = self._clock()
        window = int(now // 60)
        if window != self._window:
            self._window, self._used = window, 0
        return now

    def left(self) -> int:
        now = self._roll()
        return 0 if now < self._held_until else max(0, self.per_minute - self._used)

    def take(self) -> bool:
        if self.left() < 1:
            return False
        self._used += 1
        return True

    def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self._clock() + seconds)


def minutes(hhmm: str) -> int | None:
    try:
        moment = clock_time.fromisoformat(hhmm)
    except ValueError:
        return None
    return moment.hour * 60 + moment.minute


class SearchTimes:
    def __init__(
        self,
        bookable: BookableClient,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.bookable = bookable
        self.window = settings.search_times_window_minutes
        self.reserve = settings.search_times_reserve
        self._per_minute = settings.search_times_budget
        self._clock = clock
        # One budget per Bookable account ("": the operator's): each has its own rate limit.
        self._budgets: dict[str, MinuteBudget] = {}
        self.live: CoalescingCache[Availability] = CoalescingCache(
            settings.search_times_cache_ttl, clock=clock
        )
        self.feeds: CoalescingCache[dict[date, list[FeedSlot]] | None] = CoalescingCache(
            FEED_TTL, clock=clock
        )
        self._wall_clock = wall_clock
        self.live_calls = 0  # availability calls made for results (tests, bench)

    def can_look_up(self) -> bool:
        """False when live calls are spent for now: results go straight to meal buttons."""
        return self._account()[2].left() > 0

    def _account(self) -> tuple[str, BookableClient, MinuteBudget]:
        """The current request's workspace account (`bot.service.accounts`), else the
        operator's: its id, client and budget."""
        account = current_account()
        key = account.account_id if account is not None else ""
        budget = self._budgets.get(key)
        if budget is None:
            budget = self._budgets[key] = MinuteBudget(self._per_minute, clock=self._clock)
        return key, account.client if account is not None else self.bookable, budget

    async def for_venues(
        self, venues: list[Venue], *, on: date, party: int, around: str | None = None
    ) -> list[VenueTimes]:
        return list(
            await asyncio.gather(
                *(self.for_venue(v, on=on, party=party, around=around) for v in venues)
            )
        )

    async def for_venue(
        self, venue: Venue, *, on: date, party: int, around: str | None = None
    ) -> VenueTimes:
        gathered = await asyncio.gather(
            *(self._product_times(p, on, party) for p in venue.products)
        )
        answers = [answer for answer in gathered if answer is not None]
        if len(answers) < len(gathered):  # some product not known now: the modal loads times
            return VenueTimes(venue, known=False)
        chosen = _interleave([self._near(slots, around) for slots, _ in answers], PER_VENUE)
        if chosen:
            return VenueTimes(venue, sorted(chosen, key=lambda t: t.time))
        next_days = [day for _, day in answers if day is not None]
        return VenueTimes(venue, [], next_free=min(next_days) if next_days else None)

    async def product_times(
        self, product: Product, *, on: date, party: int
    ) -> list[FreeTime] | None:
        """One product's free times on `on` for `party` (feed, else live within the budget
        and cache), or None when that is not known now."""
        answer = await self._product_times(product, on, party)
        return None if answer is None else answer[0]

    def check_slot(self, times: list[FreeTime], *, at: str, party: int) -> SlotCheck:
        """`at` among a day's free `times` for `party`; when it's not there, the free times
        within the window of it, nearest first (then shown in order)."""
        wanted = at[:5]
        exact = next((t for t in times if t.time == wanted), None)
        if exact is not None:
            return SlotCheck(wanted, party, "enquiry" if exact.enquiry else "free")
        near = [t for t in self._near(times, wanted) if t.time != wanted][:NEARBY]
        return SlotCheck(wanted, party, "taken", tuple(sorted(near, key=lambda t: t.time)))

    def _near(self, slots: list[FreeTime], around: str | None) -> list[FreeTime]:
        """Slots within the window of `around`, nearest first (all of them, in order,
        without `around`)."""
        target = minutes(around) if around else None
        if target is None:
            return slots
        timed = [(minutes(s.time), s) for s in slots]
        near = [(abs(m - target), s) for m, s in timed if m is not None]
        return [s for distance, s in sorted(near, key=lambda x: x[0]) if distance <= self.window]

    async def _product_times(
        self, product: Product, on: date, party: int
    ) -> tuple[list[FreeTime], date | None] | None:
        """(times that day, next free day if known), or None when not known now."""
        if product.feed_url:
            days = await self._feed(product.feed_url)
            if days is not None:
                return self._from_feed(product, days, on, party)
        account, client, budget = self._account()
        key = f"{account}|{product.composite_id}|{on.isoformat()}|{party}"
        try:
            answer = await self.live.get(
                key, lambda: self._live(client, budget, product.composite_id, on, party)
            )
        except BudgetSpent:
            return None
        except BookableError as error:
            log.info("times for %s not shown in results: %s", product.composite_id, error)
            return None
        slots = [
            _free(product, s.time[:5], s.type)
            for s in answer.times
            if s.type is not SlotType.UNKNOWN and s.product_id in (None, product.composite_id)
        ]
        return slots, None

    def _from_feed(
        self, product: Product, days: dict[date, list[FeedSlot]], on: date, party: int
    ) -> tuple[list[FreeTime], date | None]:
        def fits(slot: FeedSlot) -> bool:
            return slot.fits(party) and slot.type is not SlotType.UNKNOWN

        slots = [_free(product, s.time, s.type) for s in days.get(on, []) if fits(s)]
        later = (on + timedelta(days=n) for n in range(1, NEXT_FREE_DAYS + 1))
        next_free = (
            None if slots else next((d for d in later if any(map(fits, days.get(d, [])))), None)
        )
        return slots, next_free

    async def _feed(self, url: str) -> dict[date, list[FeedSlot]] | None:
        try:
            return await self.feeds.get(url, lambda: self._read_feed(url))
        except Exception as error:  # unreachable or unreadable: live availability instead
            log.info("availability feed not used: %s", type(error).__name__)
            return None

    async def _read_feed(self, url: str) -> dict[date, list[FeedSlot]] | None:
        return feed_days(await self.bookable.read_feed(url))

    async def _live(
        self, client: BookableClient, budget: MinuteBudget, composite_id: str, on: date, party: int
    ) -> Availability:
        if not budget.take():
            raise BudgetSpent()
        self.live_calls += 1
        try:
            result = await client.availability(
                composite_id, date=on, party_size=party, wait_on_rate_limit=False
            )
        except RateLimited:
            budget.hold(60)  # Bookable's window resets within a minute
            raise
        except BookableProblem as error:
            if error.status >= 500 or error.status in _TRANSIENT:
                raise
            # A refusal of this product for that day (closed, not offered): nothing free.
            return Availability(times=[], noAvailabilityReason=error.detail)
        limit = result.rate_limit
        if limit is not None and limit.remaining is not None and limit.remaining < self.reserve:
            reset = limit.reset_epoch - self._wall_clock() if limit.reset_epoch else 60.0
            budget.hold(min(max(reset, 1.0), 60.0))
        return result.data


def _free(product: Product, hhmm: str, slot_type: SlotType) -> FreeTime:
    return FreeTime(product.composite_id, product.product_name, hhmm, slot_type is SlotType.REQUEST)


def _interleave(lists: list[list[FreeTime]], limit: int) -> list[FreeTime]:
    """Take from each product in turn, so one product can't fill every button."""
    chosen: list[FreeTime] = []
    for round_ in range(limit):
        for slots in lists:
            if round_ < len(slots) and len(chosen) < limit:
                chosen.append(slots[round_])
    return chosen
