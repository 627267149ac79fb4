"""Plain records the store hands out and accepts; other modules import these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

SubmissionState = Literal["new", "in_progress", "done"]


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
class IncomingEvent:
    """One booking of a Bookable webhook delivery."""

    booking_id: str
    status: str
    last_update: dt.datetime | None
    event_type: str
    payload: dict[str, Any]
    venue_name: str | None
    group_name: str | None


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int


@dataclass(frozen=True)
class OutboxJob:
    """A leased notification job. `progress` remembers Slack calls that already succeeded."""

    id: int
    booking_id: str
    event_id: int
    status: str
    last_update: dt.datetime | None
    payload: dict[str, Any]
    attempts: int
    progress: dict[str, Any]
    event_type: str = ""
    venue_name: str | None = None
    group_name: str | None = None


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
