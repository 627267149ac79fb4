"""When a booking's reminder is due (`Reminders.plan`, `Reminders.verdict`), and the
settings behind it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings, SettingsError, load_settings
from bot.service.reminders import OffsetClock, Reminders
from bot.store.records import BookingRecord, Reminder

LONDON = ZoneInfo("Europe/London")


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, bookable_env="local", **values)  # type: ignore[call-arg]


def record(**changes: Any) -> BookingRecord:
    values: dict[str, Any] = {
        "booking_id": "bk-1", "team_id": "T1", "user_id": "U1", "channel_id": "C1",
        "message_ts": None, "venue_name": "Dishoom", "venue_group": None,
        "product_name": "Dinner", "composite_id": "29|CO|v|p", "date": dt.date(2030, 3, 31),
        "time": "19:00", "party_size": 2, "status": "confirmed", "operator_ref": None,
    } | changes  # fmt: skip
    return BookingRecord(**values)


def reminders(now: dt.datetime, **values: Any) -> Reminders:
    return Reminders(store=None, settings=settings(**values), clock=lambda: now)  # type: ignore[arg-type]


def test_due_the_lead_before_the_venues_local_start() -> None:
    # 31 March 2030 is after the clocks go forward: 19:00 London is 18:00 UTC.
    plan = reminders(dt.datetime(2030, 3, 1, tzinfo=dt.UTC)).plan(record())
    assert plan is not None
    assert plan.starts_at == dt.datetime(2030, 3, 31, 18, 0, tzinfo=dt.UTC)
    assert plan.due_at == dt.datetime(2030, 3, 31, 16, 0, tzinfo=dt.UTC)


def test_the_lead_and_the_venue_zone_are_settings() -> None:
    now = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)
    plan = reminders(now, reminder_lead=1800, venue_timezone="America/New_York").plan(record())
    assert plan is not None
    assert plan.due_at == dt.datetime(2030, 3, 31, 22, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("status", ["pending", "cancelled", "declined", "completed", "no_show"])
def test_only_confirmed_bookings_are_reminded(status: str) -> None:
    now = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)
    assert reminders(now).plan(record(status=status)) is None


def test_no_reminder_once_its_time_has_passed_even_if_the_booking_has_not() -> None:
    one_hour_before = dt.datetime(2030, 3, 31, 17, 0, tzinfo=dt.UTC)
    assert reminders(one_hour_before).plan(record()) is None
    assert reminders(one_hour_before).plan(record(time="not a time")) is None


@pytest.mark.parametrize("day", [dt.date.min, dt.date.max])
def test_absurd_dates_from_a_webhook_plan_nothing(day: dt.date) -> None:
    assert reminders(dt.datetime(2030, 3, 1, tzinfo=dt.UTC)).plan(record(date=day)) is None


def test_at_send_time_the_stored_booking_decides() -> None:
    now = dt.datetime(2030, 3, 31, 16, 0, tzinfo=dt.UTC)
    planned = Reminder(
        "bk-1", dt.datetime(2030, 3, 31, 18, 0, tzinfo=dt.UTC), now, "leased", attempts=1
    )
    due = reminders(now)
    assert due.verdict(planned, record()) == "send"
    assert due.verdict(planned, record(time="20:00")) == "moved"
    assert due.verdict(planned, record(status="cancelled")) == "drop"
    assert due.verdict(planned, None) == "drop"
    started = reminders(dt.datetime(2030, 3, 31, 18, 0, tzinfo=dt.UTC))
    assert started.verdict(planned, record()) == "drop"


def test_the_offset_clock_moves() -> None:
    base = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    clock = OffsetClock(lambda: base)
    clock.advance(90)
    assert clock() == base + dt.timedelta(seconds=90)
    clock.move_to(base + dt.timedelta(days=2))
    assert clock() == base + dt.timedelta(days=2)


def test_an_unknown_venue_zone_is_refused_by_name() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(need_slack=False, _env_file=None, bookable_env="local",
                      venue_timezone="Mars/Olympus")  # fmt: skip
    assert "VENUE_TIMEZONE" in str(refused.value) and "Mars" not in str(refused.value)


def test_the_calendar_key_is_its_own_or_derived_from_the_signing_secret() -> None:
    derived = settings(slack_signing_secret="s3cret").calendar_key()
    assert derived is not None and b"s3cret" not in derived
    assert settings(slack_signing_secret="other").calendar_key() != derived
    assert settings(calendar_signing_key="mine", slack_signing_secret="s").calendar_key() == b"mine"
    assert settings().calendar_key() is None
