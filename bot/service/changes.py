"""Changing a booking's date, time, party size or notes: the JSON Patch Bookable documents
(bookable-api.md §6.6: `/date`, `/time`, `/partySize` and `/notes` are patchable) and what
`BookingService.change` returns. Nothing here knows Slack."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.bookable.models import Booking, PatchOp
from bot.store.records import BookingDetails, BookingRecord


@dataclass(frozen=True)
class ChangeRequest:
    """What the person asked for. `notes` is sent only when `notes_changed`."""

    date: date
    time: str  # HH:MM
    party_size: int
    notes: str = ""
    notes_changed: bool = False

    @property
    def details(self) -> BookingDetails:
        return BookingDetails(self.date, self.time[:5], self.party_size)


@dataclass(frozen=True)
class ChangeOutcome:
    """`changed`: this call changed the booking (`record` is it now, `before` as it was).
    `unchanged`: the request asks for nothing new (no PATCH sent). `in_progress`: the same
    modal's change is under way elsewhere (a double click or retry). `done`: this modal's
    change was already made."""

    state: Literal["changed", "unchanged", "in_progress", "done"]
    record: BookingRecord | None = None
    before: BookingRecord | None = None


# Called after every successful change made through the app, with the booking before and
# after (e.g. to move its reminders). A failing hook is logged; the change stands.
AfterChange = Callable[[BookingRecord, BookingRecord], Awaitable[None]]


def patch_ops(record: BookingRecord, request: ChangeRequest) -> list[PatchOp]:
    """Replace operations for what differs from `record`; empty when nothing does."""
    ops: list[PatchOp] = []
    if request.date != record.date:
        ops.append(PatchOp(op="replace", path="/date", value=request.date.isoformat()))
    if request.time[:5] != record.time[:5]:
        ops.append(PatchOp(op="replace", path="/time", value=request.time[:5]))
    if request.party_size != record.party_size:
        ops.append(PatchOp(op="replace", path="/partySize", value=request.party_size))
    if request.notes_changed:
        ops.append(PatchOp(op="replace", path="/notes", value=request.notes))
    return ops


def changed_record(record: BookingRecord, request: ChangeRequest, answer: Booking) -> BookingRecord:
    """The stored booking after Bookable accepted the change: Bookable's answer where it
    has the field, else what was asked; `lastUpdate` is Bookable's time for the change."""
    return dataclasses.replace(
        record,
        date=answer.date or request.date,
        time=(answer.time or request.time)[:5],
        party_size=answer.party_size or request.party_size,
        last_update=answer.last_update or record.last_update,
    )
