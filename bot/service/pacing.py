"""Per-channel pacing for `chat.postMessage` (Slack allows about 1 message/s per channel).

A token bucket per channel, kept as a GCRA "theoretical arrival time" so that a caller can
*reserve* a future slot: the notifier waits briefly for near slots and hands far ones
back to the outbox with the wait as delay, keeping the slot under the job's id so that
its next attempt in this process sends in that slot instead of queueing again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# Reservations never claimed again (the job went to another worker) are forgotten after this.
_STALE_AFTER = 120.0


@dataclass
class _Channel:
    tat: float  # theoretical arrival time of the next message (GCRA)


class ChannelPacer:
    """Reserve send slots per channel at `rate`/s with bursts of up to `burst`.

    One token of the burst is held back as headroom (when burst > 1): a message that leaves
    a little late, followed by one on time, must not overdraw Slack's own bucket.
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

    def reserve(self, channel: str, key: object) -> float:
        """Seconds to wait before sending as `key` in `channel`; the slot is kept for `key`.

        Calling again with the same key returns the same slot (minus the time passed).
        """
        now = self._clock()
        held = self._reserved.get(key)
        if held is not None and held[0] == channel:
            return max(0.0, held[1] - now)
        state = self._channels.setdefault(channel, _Channel(tat=now))
        tat = max(state.tat, now)
        slot = max(now, tat - self.tolerance)
        state.tat = tat + self.interval
        self._reserved[key] = (channel, slot)
        self._forget_stale(now)
        return slot - now

    def release(self, key: object) -> None:
        """The slot was used (or will never be): forget it."""
        self._reserved.pop(key, None)

    def pause(self, channel: str, seconds: float) -> None:
        """Slack said 429: no sends in `channel` for `seconds`, then one per interval."""
        now = self._clock()
        resume = now + max(seconds, 0.0)
        state = self._channels.setdefault(channel, _Channel(tat=now))
        state.tat = max(state.tat, resume + self.tolerance)
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
