"""`SearchTimes.check_slot`: whether a plan option's time is free for its party, and what
is free near it when not (pure: no Bookable call)."""

from __future__ import annotations

from typing import Any, cast

from bot.config import Settings
from bot.service.times import FreeTime, SearchTimes, SlotCheck


def search_times(**values: Any) -> SearchTimes:
    settings = Settings(_env_file=None, bookable_env="local", **values)  # type: ignore[call-arg]
    return SearchTimes(cast(Any, None), settings)  # check_slot never calls Bookable


def free(time: str, *, enquiry: bool = False) -> FreeTime:
    return FreeTime("29|CO|a|b", "Dinner", time, enquiry)


def test_the_exact_time_free_or_on_request() -> None:
    times = [free("18:30"), free("19:00"), free("21:00", enquiry=True)]
    check = search_times().check_slot(times, at="19:00:00", party=4)
    assert check == SlotCheck("19:00", 4, "free")
    assert search_times().check_slot(times, at="21:00", party=4).status == "enquiry"


def test_a_taken_time_offers_the_nearest_free_times_within_the_window_in_order() -> None:
    times = [free(t) for t in ("17:00", "18:00", "18:30", "20:00", "20:30", "23:00")]
    check = search_times(search_times_window_minutes=90).check_slot(times, at="19:00", party=9)
    assert check.status == "taken" and check.party == 9
    assert [t.time for t in check.nearby] == ["18:00", "18:30", "20:00"]  # nearest 3, sorted
    lonely = search_times(search_times_window_minutes=20).check_slot(times, at="19:00", party=9)
    assert lonely == SlotCheck("19:00", 9, "taken", ())
    assert search_times().check_slot([], at="19:00", party=2).nearby == ()
