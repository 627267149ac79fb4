from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.slack.parsing import (
    Help,
    ListSubscriptions,
    MyBookings,
    Search,
    Subscribe,
    SubscriptionFilter,
    Unsubscribe,
    parse_command,
)

TODAY = date(2030, 8, 14)  # a Wednesday


def parse(text: str) -> object:
    return parse_command(text, today=TODAY)


@pytest.mark.parametrize("text", ["", "   ", "help", "?", "HELP"])
def test_empty_or_help_shows_help_without_a_problem(text: str) -> None:
    assert parse(text) == Help()


def test_unknown_subcommand_shows_help_with_a_hint() -> None:
    result = parse("frobnicate now")
    assert isinstance(result, Help) and "frobnicate" in (result.problem or "")


def test_search_with_every_filter() -> None:
    result = parse(
        'search dishoom covent group:"gordon ramsay" feature:wifi feature:dog_friendly '
        "date:2030-08-20 party:4"
    )
    assert result == Search(
        words="dishoom covent",
        group="gordon ramsay",
        features=("wifi", "dog_friendly"),
        date=date(2030, 8, 20),
        party=4,
    )


def test_entities_are_decoded_before_parsing() -> None:
    result = parse("search bancroft &amp; vale")
    assert isinstance(result, Search) and result.words == "bancroft & vale"
    assert parse("search &lt;!channel&gt;") == Search(words="<!channel>")


def test_smart_quotes_and_apostrophes() -> None:
    assert parse("search group:“gordon ramsay”") == Search(group="gordon ramsay")
    assert parse("search dishoom's") == Search(words="dishoom's")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("today", date(2030, 8, 14)),
        ("tomorrow", date(2030, 8, 15)),
        ("wed", date(2030, 8, 14)),
        ("fri", date(2030, 8, 16)),
        ("friday", date(2030, 8, 16)),
        ("mon", date(2030, 8, 19)),
        ("2030-09-01", date(2030, 9, 1)),
    ],
)
def test_dates(value: str, expected: date) -> None:
    assert parse(f"search x1 date:{value}") == Search(words="x1", date=expected)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("search x1 date:2020-01-01", "past"),
        ("search x1 date:someday", "can't read the date"),
        ("search x1 party:0", "1 to 50"),
        ("search x1 party:51", "1 to 50"),
        ("search x1 party:four", "1 to 50"),
        ("search x", "2 to 100"),
        ("search " + "y" * 101, "2 to 100"),
        ("search x1 " + " ".join(f"feature:f{i}" for i in range(11)), "at most 10"),
        ("subscribe status:eaten", "Unknown status"),
        ("subscribe colour:red", "Unknown filter"),
    ],
)
def test_problems_become_help_with_an_actionable_message(text: str, fragment: str) -> None:
    result = parse(text)
    assert isinstance(result, Help)
    assert fragment in (result.problem or "")


def test_other_commands() -> None:
    assert parse("bookings") == MyBookings()
    assert parse("subscriptions") == ListSubscriptions()
    assert parse("subscribe") == Subscribe(SubscriptionFilter())
    assert parse('subscribe venue:"hawksmoor seven dials" status:no-show') == Subscribe(
        SubscriptionFilter(venue="hawksmoor seven dials", status="no_show")
    )
    assert parse("unsubscribe hawksmoor group:hawksmoor") == Unsubscribe(
        SubscriptionFilter(venue="hawksmoor", group="hawksmoor")
    )


def test_unknown_filters_are_named_not_searched_for() -> None:
    result = parse("search cafe city:london")
    assert isinstance(result, Help)
    assert "Unknown filter “city:”" in (result.problem or "") and result.example
    assert parse("search cafe 12:30") == Search(words="cafe 12:30")  # not a filter


@pytest.mark.parametrize(
    ("text", "expected_date", "expected_time"),
    [
        ("date:31/12", date(2030, 12, 31), None),
        ("date:1/2", date(2031, 2, 1), None),  # day first; passed this year: next year
        ("date:14/8/2030", date(2030, 8, 14), None),
        ("date:12 Dec", date(2030, 12, 12), None),
        ('date:"12 december 2031"', date(2031, 12, 12), None),
        ("date:Dec 12", date(2030, 12, 12), None),
        ("date:1st sept", date(2030, 9, 1), None),
        ("date:next fri", date(2030, 8, 16), None),
        ("date:next wed", date(2030, 8, 21), None),  # today is Wednesday: the next one
        ("date:wed", date(2030, 8, 14), None),
        ("date:tomorrow 7pm", date(2030, 8, 15), "19:00"),
        ("date:fri 7:30pm", date(2030, 8, 16), "19:30"),
        ('date:"next fri 19:00"', date(2030, 8, 16), "19:00"),
        ("date:today time:12am", date(2030, 8, 14), "00:00"),
        ("date:fri time:19h", date(2030, 8, 16), "19:00"),
    ],
)
def test_common_date_and_time_forms(
    text: str, expected_date: date, expected_time: str | None
) -> None:
    assert parse(f"search x1 {text} party:2") == Search(
        words="x1", date=expected_date, party=2, time=expected_time
    )


def test_words_after_a_date_that_are_no_date_stay_search_words() -> None:
    assert parse("search date:fri dishoom") == Search(words="dishoom", date=date(2030, 8, 16))
    assert parse("search date:12 dishoom") == Help(
        parse("search date:12").problem,
        "search dishoom date:fri",  # type: ignore[union-attr]
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("search x1 date:31/2", "can't read the date"),
        ("search x1 date:12 Smarch", "can't read the date"),
        ("search x1 time:25:00", "can't read the time"),
        ("search x1 time:soon", "can't read the time"),
    ],
)
def test_impossible_dates_and_times_are_explained(text: str, fragment: str) -> None:
    result = parse(text)
    assert isinstance(result, Help) and fragment in (result.problem or "")
    assert result.example and "search" in result.example


@pytest.mark.parametrize(
    ("value", "expected"),
    [("19:00", "19:00"), ("7pm", "19:00"), ("7:30pm", "19:30"), ("12am", "00:00"),
     ("12pm", "12:00"), ("19h30", "19:30"), ("noon", "12:00"), ("9", "09:00")],
)  # fmt: skip
def test_search_time_forms(value: str, expected: str) -> None:
    assert parse(f"search cafe date:tomorrow time:{value}") == Search(
        words="cafe", date=TODAY + timedelta(days=1), time=expected
    )


@pytest.mark.parametrize("value", ["25:00", "13pm", "7:60", "soon", "0pm"])
def test_unreadable_times_say_how_to_write_one(value: str) -> None:
    result = parse(f"search cafe time:{value}")
    assert isinstance(result, Help) and "can't read the time" in (result.problem or "")


def test_unbalanced_quote_does_not_crash() -> None:
    result = parse('search group:"gordon ramsay')
    assert isinstance(result, Search)
    assert result.group == "gordon" and result.words == "ramsay"
