"""`BookingService`: what the Slack surface asks of Bookable and the store.

Search is cached and coalesced (see `search.py`); availability is always live (Bookable
asks for it right before booking); create is idempotent per Slack modal (one submission
key → at most one Bookable booking); cancel checks who may cancel.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from bot.bookable.errors import (
    BookableError,
    ResponseFormatError,
    ServerError,
    TransportError,
)
from bot.bookable.models import (
    Availability,
    Booking,
    BookingRequest,
    BookingStatus,
    SlotType,
    Venue,
    VenuePage,
    VenueQuery,
)
from bot.config import Settings
from bot.service.accounts import current_account
from bot.service.adoption import fingerprint, submission_context
from bot.service.changes import (
    AfterChange,
    ChangeOutcome,
    ChangeRequest,
    changed_record,
    patch_ops,
)
from bot.service.reminders import Reminders
from bot.service.search import CoalescingCache
from bot.service.times import SearchTimes
from bot.service.venues import VenueDirectory
from bot.store.records import BookingDetails, BookingRecord

if TYPE_CHECKING:
    from bot.bookable.client import BookableClient
    from bot.store import Store

log = logging.getLogger(__name__)

# Bookings API status → webhook vocabulary, which is what the store and Slack show.
RECORD_STATUS = {
    BookingStatus.CONFIRMED: "confirmed",
    BookingStatus.PENDING: "pending",
    BookingStatus.IN_PROGRESS: "pending",
    BookingStatus.CANCELLED: "cancelled",
    BookingStatus.DELETED: "cancelled",
    BookingStatus.LOST: "cancelled",
}
CANCELLED = "cancelled"


def record_status(status: BookingStatus, requested: SlotType) -> str:
    if status in RECORD_STATUS:
        return RECORD_STATUS[status]
    # An unknown status: an enquiry waits for the venue, a booking is confirmed.
    return "pending" if requested is SlotType.REQUEST else "confirmed"


@dataclass(frozen=True)
class SearchResult:
    venues: list[Venue]
    page: int
    has_next: bool
    matched_description: bool = False  # nothing matched by name, so descriptions were used


@dataclass(frozen=True)
class BookingContext:
    """Who books, where the search ran, and what (names shown in Slack)."""

    team_id: str
    user_id: str
    channel_id: str
    composite_id: str
    venue_name: str
    product_name: str
    venue_group: str | None = None


@dataclass(frozen=True)
class CreateOutcome:
    """`created`: this call made the booking. `done`: an earlier submission, or a webhook
    matching this one, already did (record may be None if it was never stored).
    `in_progress`: another request is at it. `unconfirmed`: no clear answer from Bookable,
    so it may have booked; the submission stays open until its webhook adopts it or the
    sweep resolves it (or the sweep already did)."""

    state: Literal["created", "done", "in_progress", "unconfirmed"]
    record: BookingRecord | None = None


def is_ambiguous(error: BookableError) -> bool:
    """The create may have reached Bookable and been booked: no answer, any 5xx (whatever
    `isRetryable` says: a server that failed half-way may have booked first), or a 2xx whose
    body we could not read. Only a clear refusal is not: a 4xx ProblemDetails (validation,
    slot taken, 409/422), a 429 (nothing was processed), or a token failure (the booking
    endpoint was never reached)."""
    return isinstance(error, TransportError | ServerError | ResponseFormatError)


class BookingService:
    def __init__(
        self,
        bookable: BookableClient,
        store: Store,
        settings: Settings,
        *,
        reminders: Reminders | None = None,
    ) -> None:
        self._bookable = bookable
        self.store = store
        self.settings = settings
        self.searches: CoalescingCache[VenuePage] = CoalescingCache(
            settings.bookable_search_cache_ttl
        )
        # Venues seen in results or looked up; shared with the notifier (venue names).
        self.venues = VenueDirectory(bookable, store)
        self.times = SearchTimes(bookable, settings)  # free times shown in results
        # Keeps each booking's reminder in step: call `reminders.reschedule(record)` after
        # anything that changes a booking's status, date or time.
        self.reminders = reminders or Reminders(store, settings)
        # Called when a confirmation was queued in the outbox (the serving process wakes
        # its notifier, so the confirmation needs no poll).
        self.on_confirmation_queued: Callable[[], None] | None = None
        # The hook after a successful change made through the app (`change`): each is
        # awaited with (before, after), e.g. to move the booking's reminders.
        self.after_change: list[AfterChange] = [self._move_reminder]
        # Awaited with the cancelled booking after a cancel made through the app (e.g. a
        # team meal plan closes). A failing hook is logged; the cancel stands.
        self.after_cancel: list[Callable[[BookingRecord], Awaitable[None]]] = []

    async def _move_reminder(self, before: BookingRecord, after: BookingRecord) -> None:
        await self.reminders.reschedule(after)

    @property
    def bookable(self) -> BookableClient:
        """The request's workspace account (`bot.service.accounts`), else the operator's."""
        account = current_account()
        return account.client if account is not None else self._bookable

    # --- search ---------------------------------------------------------------------------

    async def search_page(self, query: VenueQuery) -> VenuePage:
        account = current_account()  # each account's results are its own
        key = f"{account.account_id if account else ''}|{query.cache_key()}"
        page = await self.searches.get(key, lambda: self._search_now(query))
        for venue in page.data:
            self.venues.remember(venue)
        return page

    async def _search_now(self, query: VenueQuery) -> VenuePage:
        return (await self.bookable.search_venues(query)).data

    async def search(
        self,
        *,
        words: str = "",
        group: str | None = None,
        features: tuple[str, ...] = (),
        page: int = 1,
        size: int = 5,
        by_description: bool = False,
    ) -> SearchResult:
        """Words match venue names; if nothing matches on page 1, venue descriptions."""
        query = VenueQuery(venueGroupName=group, features=list(features), page=page, size=size)
        if words:
            field = "content" if by_description else "venue_name"
            query = query.model_copy(update={field: words})
        result = await self.search_page(query)
        if words and not by_description and page == 1 and not result.data:
            return await self.search(
                words=words,
                group=group,
                features=features,
                page=1,
                size=size,
                by_description=True,
            )
        return SearchResult(result.data, page, result.has_next(size), by_description)

    async def venue_for(self, venue_id: str | None, composite_id: str) -> Venue | None:
        """The venue offering `composite_id` (None if Bookable has none): from recent
        results, else from Bookable, so any process can answer a Book click."""
        return await self.venues.venue(composite_id, venue_id=venue_id)

    # --- availability ---------------------------------------------------------------------

    async def availability(self, composite_id: str, *, on: date, party: int) -> Availability:
        """Live, never cached: the modal offers only times Bookable has right now."""
        return (await self.bookable.availability(composite_id, date=on, party_size=party)).data

    # --- create ---------------------------------------------------------------------------

    async def create(
        self, key: str, where: BookingContext, request: BookingRequest
    ) -> CreateOutcome:
        """Create at most one Bookable booking per `key` (the modal's idempotency key).

        A Bookable refusal releases the key so the user can correct and submit again. When
        Bookable may have booked without our hearing (see `is_ambiguous`, and any unexpected
        error), the key stays taken and the outcome is `unconfirmed`: the booking's webhook
        finishes it (`bot.service.adoption`), or the sweep resolves it
        (`bot.service.sweep`). A finished submission queues its confirmation in the outbox.
        """
        request = request.model_copy(update={"partner_booking_id": key})
        submission = await self.store.begin_submission(
            key,
            team_id=where.team_id,
            user_id=where.user_id,
            context=submission_context(where, request),
            fingerprint=fingerprint(where.composite_id, request),
        )
        if submission.state == "done":
            return CreateOutcome("done", await self._stored(submission.booking_id))
        if submission.state == "in_progress":
            return CreateOutcome("in_progress")
        if submission.state == "unknown":  # resolved by the sweep: the booker was told
            return CreateOutcome("unconfirmed")
        try:
            result = await self.bookable.create_booking(where.composite_id, request)
        except BookableError as error:
            if is_ambiguous(error):
                return await self._unconfirmed(key, error)
            await self.store.abandon_submission(key)
            raise
        except Exception as error:
            # Unknown whether Bookable booked it: keep the key so a retry can't book twice.
            log.exception("booking for submission %s: create failed unexpectedly; kept", key)
            return await self._unconfirmed(key, error)
        booking = result.data
        record = self._record(where, request, booking)
        if not await self.store.finish_submission(key, booking.id, record=record):
            # A webhook matching this submission got here first and adopted it.
            log.info("booking %s: already adopted from its webhook", booking.id)
            return CreateOutcome("done", await self._stored(booking.id) or record)
        if self.on_confirmation_queued is not None:
            self.on_confirmation_queued()
        log.info(
            "booking %s created (%s) for submission %s, correlation id %s",
            booking.id,
            record.status,
            key,
            result.correlation_id,
        )
        return CreateOutcome("created", record)

    async def _unconfirmed(self, key: str, error: Exception) -> CreateOutcome:
        log.warning("booking for submission %s: no clear answer (%s); kept", key, error)
        current = await self.store.get_submission(key)
        if current is not None and current.state == "done":  # its webhook was faster
            return CreateOutcome("done", await self._stored(current.booking_id))
        return CreateOutcome("unconfirmed")

    async def _stored(self, booking_id: str | None) -> BookingRecord | None:
        return await self.store.get_booking(booking_id) if booking_id else None

    def _record(
        self, where: BookingContext, request: BookingRequest, booking: Booking
    ) -> BookingRecord:
        return BookingRecord(
            booking_id=booking.id,
            team_id=where.team_id,
            user_id=where.user_id,
            channel_id=where.channel_id,
            message_ts=None,
            venue_name=where.venue_name,
            venue_group=booking.venue_group_name or where.venue_group,
            product_name=booking.product_name or where.product_name,
            composite_id=booking.composite_id or where.composite_id,
            date=booking.date or request.date,
            time=(booking.time or request.time)[:5],
            party_size=booking.party_size or request.party_size,
            status=record_status(booking.status, request.type),
            operator_ref=booking.operator_booking_id or booking.reference,
            last_update=booking.last_update,
            created_at=booking.created_date,
            duration=booking.duration or request.duration,
        )

    # --- bookings and cancel --------------------------------------------------------------

    async def bookings_for(self, team_id: str, user_id: str) -> list[BookingRecord]:
        return await self.store.list_bookings_for_user(team_id, user_id)

    async def get(self, booking_id: str) -> BookingRecord | None:
        return await self.store.get_booking(booking_id)

    def may_cancel(self, record: BookingRecord, user_id: str, *, workspace_admin: bool) -> bool:
        """The booker, a workspace admin or owner, or a configured admin."""
        return (
            user_id == record.user_id
            or workspace_admin
            or user_id in self.settings.admin_user_ids()
        )

    async def cancel(self, record: BookingRecord) -> BookingRecord:
        """Cancel at Bookable, then record it with Bookable's time for the change (its
        `lastUpdate`), never our clock: the webhook Bookable sends for this same cancel must
        read as the booking's current state, not as an earlier update received late."""
        await self.bookable.cancel_booking(record.booking_id)
        # No time to go by (None): the status only, the stored time kept; the webhook
        # brings Bookable's time.
        changed_at = await self._cancelled_at(record.booking_id)
        await self.store.apply_status(record.booking_id, CANCELLED, changed_at)
        stored = await self.store.get_booking(record.booking_id)
        cancelled = dataclasses.replace(stored or record, status=CANCELLED)
        await self.reminders.reschedule(cancelled)
        for hook in self.after_cancel:
            try:
                await hook(cancelled)
            except Exception:
                log.exception("after_cancel hook failed for booking %s", record.booking_id)
        # Bookable accepted the cancel even if the stored status carries a newer timestamp
        # (the venue's clock); the webhook that follows settles the store.
        return cancelled

    async def _cancelled_at(self, booking_id: str) -> datetime | None:
        """When Bookable says the booking changed, if it now shows it cancelled."""
        try:
            booking = (await self.bookable.get_booking(booking_id)).data
        except BookableError as error:
            log.info("booking %s: cancelled, but reading it back failed (%s)", booking_id, error)
            return None
        if RECORD_STATUS.get(booking.status) != CANCELLED:
            return None  # changed again since, or not yet visible: its time is not the cancel's
        return booking.last_update

    # --- change ---------------------------------------------------------------------------

    async def live_booking(self, booking_id: str) -> Booking:
        """The booking as Bookable has it now (notes included, which the store lacks)."""
        return (await self.bookable.get_booking(booking_id)).data

    async def change(
        self, key: str, record: BookingRecord, *, user_id: str, request: ChangeRequest
    ) -> ChangeOutcome:
        """At most one PATCH per `key` (the Change modal's idempotency key), whoever asks
        (the caller has checked that `user_id` may). A refusal (any `BookableError`)
        releases the key and re-raises, the stored booking untouched. On success the new
        details are stored with the "change" outbox job (thread note + message update) in
        one transaction, then each `after_change` hook runs."""
        ops = patch_ops(record, request)
        if not ops:
            return ChangeOutcome("unchanged", record, record)
        change = await self.store.begin_change(
            key,
            booking_id=record.booking_id,
            team_id=record.team_id,
            user_id=user_id,
            before=BookingDetails.of(record),
            after=request.details,
            notes_changed=request.notes_changed,
        )
        if change.state != "new":
            return ChangeOutcome(change.state, await self.store.get_booking(record.booking_id))
        try:
            result = await self.bookable.patch_booking(record.booking_id, ops)
        except BaseException:
            # Refused, or no clear answer: the key is released either way. A PATCH that
            # did land without our hearing shows up by its webhook, like any venue change.
            await self.store.abandon_change(key)
            raise
        updated = changed_record(record, request, result.data)
        await self.store.finish_change(key, updated)
        if self.on_confirmation_queued is not None:
            self.on_confirmation_queued()  # wakes the notifier for the "change" job
        log.info(
            "booking %s changed by %s (key %s), correlation id %s",
            record.booking_id, user_id, key, result.correlation_id,
        )  # fmt: skip
        stored = await self.store.get_booking(record.booking_id) or updated
        for hook in self.after_change:
            try:
                await hook(record, stored)
            except Exception:
                log.exception("after_change hook failed for booking %s", record.booking_id)
        return ChangeOutcome("changed", stored, record)
