"""`GET /calendar/<booking>.ics?exp=…&sig=…`: a booking's calendar entry (bot/service/calendar.py).

A forged or altered link is 403, an expired one 410, a booking we do not know 404, and one
that is cancelled, declined or done 410, each with a plain sentence; never a 5xx for
anything the link says.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.service.calendar import LIVE_STATUSES, LinkRefused

if TYPE_CHECKING:
    from bot.service.calendar import Calendar
    from bot.store import Store

log = logging.getLogger(__name__)

ICS_TYPE = "text/calendar; charset=utf-8"


async def calendar_entry(request: Request, calendar: Calendar, store: Store) -> Response:
    name = request.path_params["name"]
    try:
        booking_id = calendar.check(
            name, request.query_params.get("exp"), request.query_params.get("sig")
        )
        record = await store.get_booking(booking_id)
        if record is None:
            raise LinkRefused(404, "This booking is not known here.")
        if record.status.strip().lower() not in LIVE_STATUSES:
            raise LinkRefused(410, "This booking is no longer on (cancelled, declined or past).")
        event = calendar.event(record, await calendar.address(record))
        if event is None:
            raise LinkRefused(404, "This booking has no time to put in a calendar.")
    except LinkRefused as refused:
        log.info("calendar link refused (%s)", refused.status)
        return PlainTextResponse(refused.text + "\n", status_code=refused.status)
    return Response(
        calendar.ics(event),
        media_type=ICS_TYPE,
        headers={
            "Content-Disposition": 'attachment; filename="booking.ics"',
            "Cache-Control": "private, no-store",
        },
    )
