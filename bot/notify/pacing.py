"""Per-channel pacing for `chat.postMessage` (Slack allows about 1 message/s per channel).

Two token buckets per channel, kept as GCRA "theoretical arrival times":

* the *plan* hands out future send slots. The notifier waits briefly for a near slot and
  hands a job with a far slot back to the outbox with the wait as delay; the slot stays
  reserved under the job's key, so its next attempt in this process sends in that slot
  instead of queueing again;
* the *gate* spaces the actual sends, taken right before each call: a job that reaches
  its slot late (database writes in between) must not bunch up with the ones on time.

With several serving processes (Postgres), `NotifierPacing` keeps the plan in the store
(`channel_pacing`), so the processes share one rate per channel instead of multiplying
it. What each process remembers is safe to miss: a job claimed again by another process
does not find its reserved slot there and reserves a new one (a slot wasted, never an
extra send); the gate only ever adds spacing on top of the shared plan.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cachetools import TTLCache

log = logging.getLogger(__name__)

# Reservations never claimed again (the job went to another worker) are forgotten after this.
_STALE_AFTER = 120.0
_MAX_RESERVED = 4096


@dataclass
class _Channel:
    plan: float  # theoretical arrival time of the next planned message
    gate: float  # theoretical arrival time of the next actual send


class ChannelPacer:
    """Send slots per channel at `rate`/s with bursts of up to `burst`, in this process.

    One token of the burst is held back as headroom (when burst > 1): network jitter
    between us and Slack must not overdraw Slack's own bucket.
    """

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.interval = 1.0 / rate
        self.tolerance = max(burst - 2, 0) * self.interval
        self._clock = clock
        self._channels: dict[str, _Channel] = {}
        self._reserved: TTLCache[object, tuple[str, float]] = TTLCache(
            _MAX_RESERVED, _STALE_AFTER, timer=clock
        )

    def _state(self, channel: str, now: float) -> _Channel:
        return self._channels.setdefault(channel, _Channel(plan=now, gate=now))

    def _take(self, tat: float, now: float) -> tuple[float, float]:
        """(slot, new tat) for one message under GCRA."""
        tat = max(tat, now)
        return max(now, tat - self.tolerance), tat + self.interval

    def reserve(self, channel: str, key: object) -> float:
        """Seconds until the planned slot for `key` in `channel` (reserved on first call)."""
        now = self._clock()
        held = self._reserved.get(key)
        if held is not None and held[0] == channel:
            return max(0.0, held[1] - now)
        state = self._state(channel, now)
        slot, state.plan = self._take(state.plan, now)
        self._reserved[key] = (channel, slot)
        return slot - now

    def release(self, key: object) -> None:
        """The planned slot was used (or never will be): forget it."""
        self._reserved.pop(key, None)

    def gate(self, channel: str) -> float:
        """Seconds to wait before sending now-ish; call right before the send, then sleep."""
        now = self._clock()
        state = self._state(channel, now)
        slot, state.gate = self._take(state.gate, now)
        return slot - now

    def pause(self, channel: str, seconds: float) -> None:
        """Slack said 429: no sends in `channel` for `seconds`, then one per interval."""
        now = self._clock()
        resume = now + max(seconds, 0.0)
        state = self._state(channel, now)
        state.plan = max(state.plan, resume + self.tolerance)
        state.gate = max(state.gate, resume + self.tolerance)
        # Slots handed out before the 429 are void: their holders queue again.
        _forget_slots_before(self._reserved, channel, resume)


class SlotStore(Protocol):
    """The store's shared plan (`bot.store.pacing.PacingMixin`)."""

    async def reserve_channel_slot(
        self, channel_id: str, *, interval: float, tolerance: float, now: float
    ) -> float: ...

    async def hold_channel(self, channel_id: str, until: float, *, tolerance: float) -> None: ...


class NotifierPacing:
    """What the notifier paces with: the plan in `shared` (the store) when given, else in
    this process; the gate always in this process."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        shared: SlotStore | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._local = ChannelPacer(rate, burst)
        self._shared = shared
        self._wall_clock = wall_clock
        self._reserved: TTLCache[object, tuple[str, float]] = TTLCache(
            _MAX_RESERVED, _STALE_AFTER, timer=wall_clock
        )

    @property
    def shared(self) -> bool:
        return self._shared is not None

    async def reserve(self, channel: str, key: object) -> float:
        """Seconds until the planned slot for `key` in `channel` (reserved on first call)."""
        if self._shared is None:
            return self._local.reserve(channel, key)
        now = self._wall_clock()
        held = self._reserved.get(key)
        if held is not None and held[0] == channel:
            return max(0.0, held[1] - now)
        slot = await self._shared.reserve_channel_slot(
            channel, interval=self._local.interval, tolerance=self._local.tolerance, now=now
        )
        self._reserved[key] = (channel, slot)
        return slot - now

    def release(self, key: object) -> None:
        self._local.release(key)
        self._reserved.pop(key, None)

    def gate(self, channel: str) -> float:
        return self._local.gate(channel)

    async def pause(self, channel: str, seconds: float) -> None:
        self._local.pause(channel, seconds)
        if self._shared is not None:
            resume = self._wall_clock() + max(seconds, 0.0)
            _forget_slots_before(self._reserved, channel, resume)
            try:
                await self._shared.hold_channel(channel, resume, tolerance=self._local.tolerance)
            except Exception:  # the 429 itself is what the job retries on; keep it
                log.warning("could not share a rate-limit pause for %s", channel, exc_info=True)


def _forget_slots_before(
    reserved: TTLCache[object, tuple[str, float]], channel: str, resume: float
) -> None:
    for key, (held_channel, slot) in list(reserved.items()):
        if held_channel == channel and slot < resume:
            reserved.pop(key, None)
