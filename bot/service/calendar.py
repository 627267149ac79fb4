"""Add to calendar: a signed, expiring `.ics` link served by the app, and a Google Calendar
template link, for a booking made through the app.

The `.ics` link names the booking and an expiry, signed with HMAC-SHA256
(`Settings.calendar_key`): `/calendar/<booking>.ics?exp=<unix time>&sig=<mac>`. It stays
valid until `CALENDAR_LINK_DAYS` after the booking starts and always serves the booking as
stored now, so a link in an older message follows later changes. The event lasts the
booking's duration when Bookable gave one, else `DEFAULT_BOOKING_DURATION` minutes.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import icalendar

from bot.bookable.errors import BookableError
from bot.service.reminders import Clock, booking_start
from bot.store.core import utc_now

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.service.venues import VenueDirectory
    from bot.store import BookingRecord

log = logging.getLogger(__name__)

GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"
MAPS_SEARCH = "https://www.google.com/maps/search/"
PRODID = "-//Bookable for Slack//Bookings//EN"
LIVE_STATUSES = frozenset({"pending", "confirmed"})
MAX_BOOKING_ID = 512
# A message waits at most this long for the venue's address (Bookable slow or down): it is
# posted without it rather than late.
ADDRESS_WAIT = 3.0


@dataclass(frozen=True)
class CalendarLinks:
    ics_url: str
    google_url: str


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str | None
    description: str


class LinkRefused(Exception):
    """A calendar link we will not serve: `status` is the HTTP answer, the text says why."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def map_link(address: str) -> str:
    return MAPS_SEARCH + "?" + urlencode({"api": "1", "query": address})


def venue_address(location: object) -> str | None:
    """One line from a venue's `location` (its field names are undocumented: any may be
    missing)."""
    parts = [
        getattr(location, name, None) for name in ("address", "city", "postal_code", "country")
    ]
    text = ", ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    return text or None


def _consume(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Calendar:
    def __init__(
        self,
        settings: Settings,
        *,
        base_url: str,
        venues: VenueDirectory | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._key = settings.calendar_key()
        self._base = base_url.rstrip("/")
        self._venues = venues
        self._clock = clock
        self._zone = settings.venue_zone
        self._valid_for = dt.timedelta(days=settings.calendar_link_days)
        self._default_minutes = settings.default_booking_duration

    # --- signing --------------------------------------------------------------------------

    def _mac(self, booking_id: str, expires: int) -> str:
        assert self._key is not None
        message = f"{booking_id}\n{expires}".encode()
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())

    def ics_url(self, record: BookingRecord) -> str | None:
        starts_at = booking_start(record, self._zone)
        if self._key is None or starts_at is None:
            return None
        expires = int((starts_at + self._valid_for).timestamp())
        token = _b64(record.booking_id.encode())
        query = urlencode({"exp": expires, "sig": self._mac(record.booking_id, expires)})
        return f"{self._base}/calendar/{token}.ics?{query}"

    def check(self, name: str, expires: str | None, signature: str | None) -> str:
        """The booking id a link names, if its signature holds and it has not expired."""
        forged = LinkRefused(403, "This calendar link is not valid.")
        if self._key is None or not name.endswith(".ics") or not expires or not signature:
            raise forged
        try:
            booking_id = _unb64(name.removesuffix(".ics")).decode()
            expires_at = int(expires)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise forged from None
        if not booking_id or len(booking_id) > MAX_BOOKING_ID:
            raise forged
        if not hmac.compare_digest(self._mac(booking_id, expires_at), signature):
            raise forged
        if self._clock().timestamp() >= expires_at:
            raise LinkRefused(
                410, "This calendar link has expired. The booking's message in Slack has a new one."
            )
        return booking_id

    # --- the event ------------------------------------------------------------------------

    async def address(self, record: BookingRecord) -> str | None:
        """The venue's address, if Bookable can tell us now (never raises)."""
        if self._venues is None:
            return None
        lookup = asyncio.ensure_future(self._venues.venue(record.composite_id))
        lookup.add_done_callback(_consume)  # a late failure is logged by nobody else
        try:
            # Shielded: the lookup may be shared with other callers; it finishes for them.
            venue = await asyncio.wait_for(asyncio.shield(lookup), ADDRESS_WAIT)
        except (BookableError, TimeoutError) as error:
            log.info("booking %s: venue address unavailable (%r)", record.booking_id, error)
            return None
        return venue_address(venue.location) if venue is not None else None

    def event(self, record: BookingRecord, address: str | None) -> CalendarEvent | None:
        starts_at = booking_start(record, self._zone)
        if starts_at is None:
            return None
        minutes = record.duration if record.duration and record.duration > 0 else None
        ends_at = starts_at + dt.timedelta(minutes=minutes or self._default_minutes)
        details = [f"Table for {record.party_size} at {record.venue_name}."]
        if record.operator_ref:
            details.append(f"Venue reference: {record.operator_ref}")
        details.append(f"Bookable booking: {record.booking_id}")
        uid = hashlib.sha256(record.booking_id.encode()).hexdigest()[:32] + "@bookable-bot"
        return CalendarEvent(
            uid=uid,
            title=f"Table at {record.venue_name}",
            starts_at=starts_at,
            ends_at=ends_at,
            location=address,
            description="\n".join(details),
        )

    def ics(self, event: CalendarEvent) -> bytes:
        calendar = icalendar.Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("method", "PUBLISH")
        entry = icalendar.Event()
        entry.add("uid", event.uid)
        entry.add("dtstamp", self._clock().astimezone(dt.UTC))
        entry.add("dtstart", event.starts_at.astimezone(dt.UTC))
        entry.add("dtend", event.ends_at.astimezone(dt.UTC))
        entry.add("summary", event.title)
        entry.add("description", event.description)
        if event.location:
            entry.add("location", event.location)
        calendar.add_component(entry)
        return calendar.to_ical()

    def google_url(self, event: CalendarEvent) -> str:
        def stamp(moment: dt.datetime) -> str:
            return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")

        params = {
            "action": "TEMPLATE",
            "text": event.title,
            "dates": f"{stamp(event.starts_at)}/{stamp(event.ends_at)}",
            "details": event.description,
        }
        if event.location:
            params["location"] = event.location
        return GOOGLE_TEMPLATE + "?" + urlencode(params, quote_via=quote)

    async def links(self, record: BookingRecord) -> CalendarLinks | None:
        """Both links for a booking still on (none once cancelled, declined or done)."""
        if record.status.strip().lower() not in LIVE_STATUSES:
            return None
        ics_url = self.ics_url(record)
        event = self.event(record, await self.address(record))
        if ics_url is None or event is None:
            return None
        return CalendarLinks(ics_url, self.google_url(event))
