"""ChannelPacer against the fake Slack's own per-channel token bucket, on a hand-moved clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.devtools.fake_slack.faults import TokenBuckets
from bot.notify.pacing import ChannelPacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@given(
    requests=st.lists(st.floats(min_value=0, max_value=10), min_size=1, max_size=80),
    jitter=st.lists(st.floats(min_value=0, max_value=0.9), min_size=80, max_size=80),
    rate=st.sampled_from([1.0, 5.0, 20.0]),
    burst=st.integers(min_value=2, max_value=6),
)
def test_gated_sends_never_overdraw_slacks_bucket(
    requests: list[float], jitter: list[float], rate: float, burst: int
) -> None:
    """Whenever messages are asked for, and with network jitter up to 0.9 of an interval."""
    clock = Clock()
    pacer = ChannelPacer(rate, burst, clock=clock)
    arrivals = []
    for index, asked in enumerate(sorted(requests)):
        clock.now = 100.0 + asked
        sent = clock.now + pacer.gate("C1")
        arrivals.append(sent + jitter[index] * pacer.interval)

    slack_clock = Clock()
    slack = TokenBuckets(clock=slack_clock)
    for arrival in sorted(arrivals):
        slack_clock.now = arrival
        assert slack.allow("C1", rate, burst)


def test_burst_then_one_per_interval_and_channels_are_independent() -> None:
    clock = Clock()
    pacer = ChannelPacer(1.0, 3, clock=clock)
    waits = [pacer.reserve("C1", key) for key in range(5)]
    assert waits == [0.0, 0.0, 1.0, 2.0, 3.0]  # one token of the burst kept as headroom
    assert pacer.reserve("C2", "other") == 0.0


def test_a_reserved_slot_is_kept_for_its_key_until_released() -> None:
    clock = Clock()
    pacer = ChannelPacer(1.0, 2, clock=clock)
    assert pacer.reserve("C1", "a") == 0.0
    assert pacer.reserve("C1", "b") == 1.0
    clock.now += 0.4
    assert pacer.reserve("C1", "b") == pytest.approx(0.6)  # its slot, not a new one
    pacer.release("b")
    assert pacer.reserve("C1", "b") == pytest.approx(1.6)  # released: queues again


def test_a_429_pauses_the_channel_and_voids_earlier_slots() -> None:
    clock = Clock()
    pacer = ChannelPacer(10.0, 3, clock=clock)
    assert pacer.reserve("C1", "a") == 0.0
    pacer.pause("C1", 2.0)
    assert pacer.gate("C1") == 2.0
    assert pacer.reserve("C1", "a") == 2.0  # its earlier slot was void
    assert pacer.reserve("C2", "b") == 0.0
