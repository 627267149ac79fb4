"""Per-channel pacing for `chat.postMessage` (Slack allows about 1 message/s per channel).

Two token buckets per channel, kept as GCRA "theoretical arrival times":

* the *plan* hands out future send slots. The notifier waits briefly for a near slot and
  hands a job with a far slot back to the outbox with the wait as delay; the slot stays
  reserved under the job's key, so its next attempt in this process sends in that slot
  instead of queueing again;
* the *gate* spaces the actual sends, taken right before each call: a job that reaches
  its slot late (database writes in between) must not bunch up with the ones on time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# Reservations never claimed again (the job went to another worker) are forgotten after this.
_STALE_AFTER = 120.0


@dataclass
class _Channel:
    plan: float  # theoretical arrival time of the next planned message
    gate: float  # theoretical arrival time of the next actual send


class ChannelPacer:
    """Send slots per channel at `rate`/s with bursts of up to `burst`.

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
        self._reserved: dict[object, tuple[str, float]] = {}

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
        self._forget_stale(now)
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
        for key, (held_channel, slot) in list(self._reserved.items()):
            if held_channel == channel and slot < resume:
                del self._reserved[key]

    def _forget_stale(self, now: float) -> None:
        if len(self._reserved) < 256:
            return
        for key, (_, slot) in list(self._reserved.items()):
            if slot < now - _STALE_AFTER:
                del self._reserved[key]
