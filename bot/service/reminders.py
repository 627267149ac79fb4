"""When a booking's reminder is due, and keeping it in step with the booking.

A confirmed booking gets one DM `REMINDER_LEAD` before it starts (bot/notify/reminders.py
sends it). Bookable does not document the zone of a booking's `date`/`time` (bookable-api.md
§11); they are the venue's local time, and venues are taken to be in `VENUE_TIMEZONE`
(Europe/London by default, as the sandbox's venues are). The schedule lives in our store, so
it survives restarts; `reschedule(record)` is the one entry point that plans, moves or
removes it, called when a booking is confirmed, changed, cancelled or declined. Nothing is
scheduled for a reminder time already passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from bot.store.core import utc_now

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import BookingRecord, Reminder, Store

CONFIRMED = "confirmed"
Clock = Callable[[], dt.datetime]


class OffsetClock:
    """The real UTC clock moved by an offset: the local playground and tests move it to
    make reminders due (and links expire) without waiting; production never moves it."""

    def __init__(self, base: Clock = utc_now) -> None:
        self._base = base
        self.offset = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return self._base() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += dt.timedelta(seconds=seconds)

    def move_to(self, moment: dt.datetime) -> None:
        self.offset = moment - self._base()


# Dates a booking can plausibly have: arithmetic on them (lead, expiry) never overflows.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(9000, 12, 31)


def booking_start(record: BookingRecord, zone: ZoneInfo) -> dt.datetime | None:
    """When the booking starts (aware, in the venue's zone); None for an unreadable time or
    an absurd date."""
    if not EARLIEST <= record.date <= LATEST:
        return None
    try:
        at = dt.time.fromisoformat(record.time[:5])
    except ValueError:
        return None
    return dt.datetime.combine(record.date, at, tzinfo=zone)


@dataclass(frozen=True)
class ReminderPlan:
    starts_at: dt.datetime
    due_at: dt.datetime


Verdict = Literal["send", "moved", "drop"]


class Reminders:
    def __init__(self, store: Store, settings: Settings, *, clock: Clock = utc_now) -> None:
        self.store = store
        self.zone = settings.venue_zone
        self.lead = dt.timedelta(seconds=settings.reminder_lead)
        self.clock = clock

    def now(self) -> dt.datetime:
        return self.clock()

    def plan(self, record: BookingRecord) -> ReminderPlan | None:
        """The reminder a booking should have now: only a confirmed one, only while its
        reminder time is still ahead."""
        if record.status.strip().lower() != CONFIRMED:
            return None
        starts_at = booking_start(record, self.zone)
        if starts_at is None:
            return None
        due_at = starts_at - self.lead
        return ReminderPlan(starts_at, due_at) if due_at > self.now() else None

    async def reschedule(self, record: BookingRecord) -> ReminderPlan | None:
        """Schedule, move or remove the booking's reminder to match `record` (idempotent:
        a reminder already sent for this start is not sent again)."""
        plan = self.plan(record)
        if plan is None:
            await self.store.drop_reminder(record.booking_id)
        else:
            await self.store.schedule_reminder(
                record.booking_id, starts_at=plan.starts_at, due_at=plan.due_at
            )
        return plan

    def verdict(self, reminder: Reminder, record: BookingRecord | None) -> Verdict:
        """At send time, from the booking as stored now (a missed hook never sends a wrong
        reminder): still confirmed and starting when planned, and not started yet."""
        if record is None or record.status.strip().lower() != CONFIRMED:
            return "drop"
        starts_at = booking_start(record, self.zone)
        if starts_at is None or self.now() >= starts_at:
            return "drop"
        return "send" if starts_at == reminder.starts_at else "moved"
