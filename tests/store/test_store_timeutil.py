"""The text keys used for dedupe and per-booking order sort exactly like the instants."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from bot.store.timeutil import time_key, to_utc

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
instants = st.datetimes(
    min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(9998, 12, 30), timezones=offsets
)


@given(instants, instants)
def test_keys_sort_like_instants(a: dt.datetime, b: dt.datetime) -> None:
    assert (time_key(a) < time_key(b)) == (a < b)
    assert (time_key(a) == time_key(b)) == (a == b)


@given(instants)
def test_no_timestamp_sorts_first_and_naive_means_utc(a: dt.datetime) -> None:
    assert time_key(None) < time_key(a)
    assert time_key(to_utc(a).replace(tzinfo=None)) == time_key(a)
