"""Dates and times as people type them in `/bookable`: pure, `today` is passed in.

Dates: `today`, `tomorrow`, a weekday (`fri`: the next one, today included), `next fri` (the
next one after today), `2030-12-31`, `31/12` or `31/12/2030` (day first), `12 Dec`, `Dec 12`
(optionally with a year). A day and month without a year that has passed means next year.
Times: `19:00`, `7pm`, `7:30pm`, `19h`; returned as "HH:MM". A date may end with a time:
`tomorrow 7pm`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEKDAYS = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip

_SLASHED = re.compile(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?")
_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:\s+(\d{4}))?")
_MONTH_DAY = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?")
_TIME_24 = re.compile(r"([01]?\d|2[0-3])[:h.]([0-5]\d)")
_TIME_12 = re.compile(r"(1[0-2]|0?[1-9])(?::([0-5]\d))?\s*(am|pm)")
_HOUR_ONLY = re.compile(r"([01]?\d|2[0-3])h")


class NotADate(ValueError):
    """The text is not a date (or time) this module reads."""


def parse_time(text: str) -> str:
    """ "7pm" → "19:00"; raises `NotADate`."""
    value = text.strip().lower()
    if value in ("noon", "midday"):
        return "12:00"
    if match := _TIME_24.fullmatch(value):
        return f"{int(match[1]):02d}:{match[2]}"
    if match := _HOUR_ONLY.fullmatch(value):
        return f"{int(match[1]):02d}:00"
    if match := _TIME_12.fullmatch(value):
        hour = int(match[1]) % 12 + (12 if match[3] == "pm" else 0)
        return f"{hour:02d}:{match[2] or '00'}"
    raise NotADate(text)


def parse_when(text: str, today: date) -> tuple[date, str | None]:
    """A date, optionally followed by a time; raises `NotADate`."""
    value = " ".join(text.lower().replace(",", " ").split())
    words = value.rsplit(" ", 1)
    if len(words) == 2:
        try:
            time = parse_time(words[1])
        except NotADate:
            pass
        else:
            return parse_day(words[0], today), time
    return parse_day(value, today), None


def parse_day(value: str, today: date) -> date:
    if value == "today":
        return today
    if value in ("tomorrow", "tmrw", "tmr"):
        return today + timedelta(days=1)
    if value in WEEKDAYS:
        return today + timedelta(days=(WEEKDAYS[value] - today.weekday()) % 7)
    if value.startswith("next ") and value[5:] in WEEKDAYS:
        return today + timedelta(days=(WEEKDAYS[value[5:]] - today.weekday() - 1) % 7 + 1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    if match := _SLASHED.fullmatch(value):
        return _day_of(int(match[1]), int(match[2]), match[3], today)
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        match = pattern.fullmatch(value)
        if match and match[month_group] in MONTHS:
            return _day_of(int(match[day_group]), MONTHS[match[month_group]], match[3], today)
    raise NotADate(value)


def _day_of(day: int, month: int, year: str | None, today: date) -> date:
    try:
        if year is not None:
            full = int(year) + (2000 if len(year) == 2 else 0)
            return date(full, month, day)
        this_year = date(today.year, month, day)
    except ValueError:
        raise NotADate(f"{day}/{month}") from None
    if this_year >= today:
        return this_year
    try:
        return this_year.replace(year=today.year + 1)
    except ValueError:  # 29 Feb, and next year is not a leap year
        raise NotADate(f"{day}/{month}") from None
