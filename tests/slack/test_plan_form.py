"""Reading the plan modal's submission: options, deadline, note, phone, and the problems
shown under the fields for missing, past or absurd values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.service.plans import OptionDraft
from bot.slack import ids
from bot.slack.plan_form import ChosenVenue, chosen_so_far, read_plan

TODAY = dt.date(2030, 8, 1)
NOW = dt.datetime(2030, 8, 1, 9, 0, tzinfo=dt.UTC)


def option(position: int, venue: Any = "29|CO|a|b", on: Any = "2030-08-02", at: Any = "19:00"):
    values: dict[str, Any] = {}
    if venue is not None:
        values[ids.plan_option_block("venue", position)] = {
            ids.PLAN_VENUE_ACTION: {"selected_option": {"value": venue}}
        }
    values[ids.plan_option_block("date", position)] = {ids.PLAN_DATE_ACTION: {"selected_date": on}}
    values[ids.plan_option_block("time", position)] = {ids.PLAN_TIME_ACTION: {"selected_time": at}}
    return values


def phone(value: str = "+44 7700 900123") -> dict[str, Any]:
    return {ids.PLAN_PHONE.block_id: {ids.PLAN_PHONE.action_id: {"value": value}}}


def test_the_filled_options_deadline_and_note_are_read() -> None:
    deadline = int((NOW + dt.timedelta(hours=2)).timestamp())
    values = {
        **option(0),
        **option(2, venue="29|CO|c|d", at="12:30"),
        **phone(),
        ids.PLAN_DEADLINE.block_id: {ids.PLAN_DEADLINE.action_id: {"selected_date_time": deadline}},
        ids.PLAN_NOTE.block_id: {ids.PLAN_NOTE.action_id: {"value": "  leaving do  "}},
    }
    entered, errors = read_plan(values, today=TODAY, now=NOW)
    assert errors == {} and entered is not None
    assert entered.options == (
        OptionDraft("29|CO|a|b", dt.date(2030, 8, 2), "19:00"),
        OptionDraft("29|CO|c|d", dt.date(2030, 8, 2), "12:30"),
    )
    assert entered.deadline == NOW + dt.timedelta(hours=2)
    assert (entered.note, entered.phone) == ("leaving do", "+447700900123")


def test_missing_past_and_absurd_values_are_refused_under_their_fields() -> None:
    values = {
        **option(0, venue=None),
        **option(1, on="2030-07-31"),
        **option(2, at="25:99"),
        **option(3, on="not a date"),
        **phone("call me"),
        ids.PLAN_DEADLINE.block_id: {ids.PLAN_DEADLINE.action_id: {"selected_date_time": "x"}},
        ids.PLAN_NOTE.block_id: {ids.PLAN_NOTE.action_id: {"value": "x" * 501}},
    }
    entered, errors = read_plan(values, today=TODAY, now=NOW)
    assert entered is None
    assert set(errors) == {
        "plan_venue_0", "plan_date_1", "plan_time_2", "plan_date_3",
        ids.PLAN_PHONE.block_id, ids.PLAN_DEADLINE.block_id, ids.PLAN_NOTE.block_id,
    }  # fmt: skip


def test_a_deadline_in_the_past_is_refused() -> None:
    past = int((NOW - dt.timedelta(minutes=1)).timestamp())
    values = {
        **option(0),
        **phone(),
        ids.PLAN_DEADLINE.block_id: {ids.PLAN_DEADLINE.action_id: {"selected_date_time": past}},
    }
    assert read_plan(values, today=TODAY, now=NOW)[1] == {
        ids.PLAN_DEADLINE.block_id: "Voting must close in the future."
    }


def test_options_with_a_venue_and_a_date_are_the_ones_to_show_times_for() -> None:
    values = {
        **option(0),
        **option(1, venue=None),  # no venue yet
        **option(2, on=None),  # no date yet
        **option(3, venue="x" * 151, on="2030-08-03"),  # not one of ours
    }
    assert chosen_so_far(values) == [ChosenVenue(0, "29|CO|a|b", dt.date(2030, 8, 2))]
    assert chosen_so_far({**option(1, on="not a date")}) == []
    assert chosen_so_far({}) == []
