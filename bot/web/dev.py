"""`POST /_dev/reminders/run` (BOOKABLE_ENV=local only, like the embedded sandbox): move the
app's clock, then send the reminders due at that time, at once.

Body (JSON, optional): `{"advance": seconds}`, `{"to": "<ISO-8601 instant>"}` or
`{"to": "next"}` (the earliest pending reminder's due time; the clock stays if there is
none). Answers `{"now": …, "outcomes": {"sent": n, …}}` once the pass is over, so the
playground shows a reminder without waiting hours and tests get a positive signal that a
pass ran. `POST /_dev/plans/run` does the same for plans whose voting deadline has passed
(`{"to": "next"}`: the earliest open plan's deadline).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.service.reminders import OffsetClock

if TYPE_CHECKING:
    from bot.notify.reminders import ReminderRunner
    from bot.service.reminders import Clock

MAX_ADVANCE = 400 * 24 * 3600.0


def _refusal(text: str, status: int = 400) -> Response:
    return JSONResponse({"ok": False, "error": text}, status_code=status)


async def run_reminders(request: Request, runner: ReminderRunner, clock: Clock) -> Response:
    return await run_pass(request, clock, runner.next_due, runner.run_once)


async def run_pass(
    request: Request,
    clock: Clock,
    next_due: Callable[[], Awaitable[dt.datetime | None]],
    run_once: Callable[[], Awaitable[Counter[str]]],
) -> Response:
    """Move the clock as the body says, then run one pass (`POST /_dev/reminders/run`,
    and `/_dev/plans/run` for the plans' deadlines)."""
    try:
        body: Any = await request.json() if await request.body() else {}
    except ValueError:
        return _refusal("the body must be JSON")
    if not isinstance(body, dict):
        return _refusal("the body must be a JSON object")
    advance, to = body.get("advance"), body.get("to")
    if advance is not None or to is not None:
        if not isinstance(clock, OffsetClock):
            return _refusal("this app's clock cannot be moved", 409)
        if advance is not None:
            if isinstance(advance, bool) or not isinstance(advance, int | float):
                return _refusal("advance must be a number of seconds")
            if not 0 <= advance <= MAX_ADVANCE:
                return _refusal(f"advance must be between 0 and {MAX_ADVANCE:.0f} seconds")
            clock.advance(float(advance))
        elif to == "next":
            due = await next_due()
            if due is not None and due > clock():
                clock.move_to(due)
        else:
            try:
                moment = dt.datetime.fromisoformat(str(to))
            except ValueError:
                return _refusal("to must be an ISO-8601 instant, e.g. 2030-08-15T17:00:00Z")
            if moment.tzinfo is None:
                return _refusal("to needs a time zone, e.g. 2030-08-15T17:00:00Z")
            clock.move_to(moment)
    outcomes = await run_once()
    return JSONResponse(
        {"ok": True, "now": clock().isoformat(timespec="seconds"), "outcomes": dict(outcomes)}
    )
