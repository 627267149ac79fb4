"""Reading the plan modal's submission: the options filled in (a venue, a date and a time
each), the deadline, the note and the organiser's phone, or the problems to show under the
fields (`response_action: errors`, by block id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from bot.service.plans import OptionDraft
from bot.slack import ids
from bot.slack.form import E164, normalize_phone

NOTE_MAX = 500
COMPOSITE_MAX = 150


@dataclass(frozen=True)
class PlanInput:
    options: tuple[OptionDraft, ...]
    deadline: datetime | None
    note: str
    phone: str


def _element(values: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    found = (values.get(block_id) or {}).get(action_id)
    return found if isinstance(found, dict) else {}


@dataclass(frozen=True)
class ChosenVenue:
    """An option whose venue and date are chosen (the modal shows its free times)."""

    position: int
    composite_id: str
    date: date


def chosen_so_far(values: dict[str, Any]) -> list[ChosenVenue]:
    """From the open modal's state.values: each option with a venue and a valid date."""
    chosen: list[ChosenVenue] = []
    for position in range(ids.PLAN_OPTIONS):
        venue = _venue(values, position)
        raw_date = _element(
            values, ids.plan_option_block("date", position), ids.PLAN_DATE_ACTION
        ).get("selected_date")
        try:
            on = date.fromisoformat(str(raw_date))
        except ValueError:
            continue
        if venue and len(venue) <= COMPOSITE_MAX:
            chosen.append(ChosenVenue(position, venue, on))
    return chosen


def _venue(values: dict[str, Any], position: int) -> str:
    block = ids.plan_option_block("venue", position)
    chosen = _element(values, block, ids.PLAN_VENUE_ACTION).get("selected_option")
    return str(chosen.get("value") or "") if isinstance(chosen, dict) else ""


def read_plan(
    values: dict[str, Any], *, today: date, now: datetime
) -> tuple[PlanInput | None, dict[str, str]]:
    """`values` is the view's state.values. Dates before `today` and deadlines before
    `now` are refused; an option needs all three of venue, date and time."""
    errors: dict[str, str] = {}
    options: list[OptionDraft] = []
    for position in range(ids.PLAN_OPTIONS):
        blocks = {kind: ids.plan_option_block(kind, position) for kind in ("venue", "date", "time")}
        venue = _venue(values, position)
        raw_date = _element(values, blocks["date"], ids.PLAN_DATE_ACTION).get("selected_date")
        raw_time = _element(values, blocks["time"], ids.PLAN_TIME_ACTION).get("selected_time")
        if not venue and not raw_date and not raw_time and position > 0:
            continue  # an option left empty
        if not venue or len(venue) > COMPOSITE_MAX:
            errors[blocks["venue"]] = "Choose a venue for this option."
            continue
        try:
            on = date.fromisoformat(str(raw_date))
        except ValueError:
            errors[blocks["date"]] = "Choose a date for this option."
            continue
        if on < today:
            errors[blocks["date"]] = "This date has passed."
            continue
        at = str(raw_time or "")
        try:
            valid_time = len(at) == 5 and time.fromisoformat(at) is not None
        except ValueError:
            valid_time = False
        if not valid_time:
            errors[blocks["time"]] = "Choose a time for this option."
            continue
        options.append(OptionDraft(composite_id=venue, date=on, time=at))
    deadline = None
    raw_deadline = _element(values, ids.PLAN_DEADLINE.block_id, ids.PLAN_DEADLINE.action_id).get(
        "selected_date_time"
    )
    if raw_deadline is not None:
        try:
            deadline = datetime.fromtimestamp(int(raw_deadline), UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            errors[ids.PLAN_DEADLINE.block_id] = "Choose when voting closes."
        else:
            if deadline <= now:
                errors[ids.PLAN_DEADLINE.block_id] = "Voting must close in the future."
    note = str(_element(values, ids.PLAN_NOTE.block_id, ids.PLAN_NOTE.action_id).get("value") or "")
    if len(note) > NOTE_MAX:
        errors[ids.PLAN_NOTE.block_id] = f"Keep the note under {NOTE_MAX} characters."
    raw_phone = _element(values, ids.PLAN_PHONE.block_id, ids.PLAN_PHONE.action_id).get("value")
    phone = normalize_phone(str(raw_phone or ""))
    if not E164.match(phone):
        errors[ids.PLAN_PHONE.block_id] = (
            "Enter your phone in international format, e.g. +447700900123."
        )
    if errors:
        return None, errors
    return PlanInput(tuple(options), deadline, note.strip(), phone), {}
