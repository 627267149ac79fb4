"""Plain records the store hands out and accepts; other modules import these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

SubmissionState = Literal["new", "in_progress", "done", "unknown"]
OutboxKind = Literal["status", "confirm", "unresolved", "change"]
ChangeState = Literal["new", "in_progress", "done"]


@dataclass(frozen=True)
class BookingRecord:
    """A booking made through the app. `status` uses the webhook vocabulary, lowercase."""

    booking_id: str
    team_id: str
    user_id: str
    channel_id: str
    message_ts: str | None
    venue_name: str
    venue_group: str | None
    product_name: str
    composite_id: str
    date: dt.date
    time: str
    party_size: int
    status: str
    operator_ref: str | None
    posted_in_dm: bool = False
    last_update: dt.datetime | None = None
    created_at: dt.datetime | None = None
    duration: int | None = None  # minutes, when Bookable gives one


@dataclass(frozen=True)
class Submission:
    """`new`: the caller owns the key and must finish or abandon it.

    `context`: what the confirmation needs (stored at begin, so a webhook can finish a
    submission whose create answer was lost); `finished_by`: "app" or "webhook"."""

    state: SubmissionState
    booking_id: str | None
    context: dict[str, Any] | None = None
    finished_by: str | None = None


@dataclass(frozen=True)
class Fingerprint:
    """What a booking's webhook shows of it, to recognise a submission whose create answer
    was lost (Bookable's webhooks carry no `partnerBookingId`). `time` is HH:MM, `email`
    lowercase."""

    composite_id: str
    date: dt.date
    time: str
    party_size: int
    email: str


@dataclass(frozen=True)
class OpenSubmission:
    """An in-progress submission, as adoption and the sweep see it."""

    key: str
    team_id: str
    user_id: str
    context: dict[str, Any] | None
    created_at: dt.datetime


@dataclass(frozen=True)
class IncomingEvent:
    """One booking of a Bookable webhook delivery."""

    booking_id: str
    status: str
    last_update: dt.datetime | None
    event_type: str
    payload: dict[str, Any]
    venue_name: str | None
    group_name: str | None
    account_id: str | None = None  # a workspace's own Bookable account; None: the operator's


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int


@dataclass(frozen=True)
class OutboxJob:
    """A leased notification job. `progress` remembers Slack calls that already succeeded.

    `kind`: "status" (a webhook event's change: `event_id` and `payload` are the event's),
    "confirm" (post the confirmation of booking `booking_id`), or "unresolved" (tell the
    booker a create's result is unknown; `booking_id` is `unresolved_subject(key)`)."""

    id: int
    booking_id: str
    event_id: int | None
    status: str
    last_update: dt.datetime | None
    payload: dict[str, Any]
    attempts: int
    progress: dict[str, Any]
    event_type: str = ""
    venue_name: str | None = None
    group_name: str | None = None
    kind: OutboxKind = "status"


@dataclass(frozen=True)
class BookingDetails:
    """What a change can move: the booking's date, time (HH:MM) and party size."""

    date: dt.date
    time: str
    party_size: int

    @classmethod
    def of(cls, record: BookingRecord) -> BookingDetails:
        return cls(record.date, record.time[:5], record.party_size)

    def to_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "time": self.time, "party_size": self.party_size}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BookingDetails:
        return cls(dt.date.fromisoformat(data["date"]), str(data["time"]), int(data["party_size"]))


@dataclass(frozen=True)
class BookingChange:
    """A change made through the Change modal (one per modal key). `state` "new" is only
    ever returned by `begin_change`, to the one caller that owns the key."""

    key: str
    booking_id: str
    user_id: str
    state: ChangeState
    before: BookingDetails
    after: BookingDetails
    notes_changed: bool = False


UNRESOLVED_PREFIX = "submission:"


def unresolved_subject(key: str) -> str:
    """The outbox `booking_id` of an "unresolved" job: the submission has no booking id."""
    return UNRESOLVED_PREFIX + key


def submission_of(subject: str) -> str | None:
    return (
        subject.removeprefix(UNRESOLVED_PREFIX) if subject.startswith(UNRESOLVED_PREFIX) else None
    )


@dataclass(frozen=True)
class DeadLetter:
    """An outbox job given up on: what `bookable-bot outbox` lists (no message content)."""

    id: int
    booking_id: str
    kind: str
    attempts: int
    created_at: dt.datetime
    dead_at: dt.datetime | None
    reason: str


@dataclass(frozen=True)
class Subscription:
    """Channel subscription; a null filter matches everything."""

    id: int
    team_id: str
    channel_id: str
    venue: str | None
    group: str | None
    status: str | None
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Reminder:
    """A booking's reminder. `starts_at` is the booking's start (UTC) it was planned for."""

    booking_id: str
    starts_at: dt.datetime
    due_at: dt.datetime
    state: str  # pending | leased | sent | failed
    attempts: int = 0


@dataclass(frozen=True)
class PlanOption:
    position: int  # 0-based, as the organiser listed it
    composite_id: str
    venue_name: str
    product_name: str
    date: dt.date
    time: str  # HH:MM
    gone: bool = False


@dataclass(frozen=True)
class Plan:
    """A team meal plan with its options and votes (user id → option position, None for
    "can't make it")."""

    plan_id: str
    team_id: str
    channel_id: str
    organiser_id: str
    message_ts: str | None
    note: str
    booker: dict[str, str]
    deadline: dt.datetime | None
    state: str  # open | booking | booked | closed
    booked_position: int | None
    booking_id: str | None
    options: tuple[PlanOption, ...] = ()
    votes: dict[str, int | None] = field(default_factory=dict)

    def voters(self, position: int) -> list[str]:
        return [user for user, chosen in self.votes.items() if chosen == position]

    def cannot(self) -> list[str]:
        return [user for user, chosen in self.votes.items() if chosen is None]
