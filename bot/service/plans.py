"""`PlanService`: team meal plans. A plan is posted in a channel, people vote (one vote each,
kept in the store), and its winner is booked through `BookingService.create` in the
organiser's name when the organiser presses Book it or the deadline passes (`run_due`,
from the store, so a restart loses no deadline). Once booked, the party size follows the
votes through `BookingService.change`; Bookable's refusal leaves the booking as it is and
the organiser is told. Cancelling the booking closes the plan.

Book it and Close are in the organiser control, an ephemeral posted to the organiser with
the plan (and again when a winner's slot is gone, offering the next option).

While a plan is open its message shows each option's availability for the people in,
through `SearchTimes` (feed, else live within its budget and cache), bounded by
`availability_timeout`: a lookup that can't answer in time leaves "checked when booking",
never a stalled or failed update.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from slack_sdk.errors import SlackApiError

from bot.bookable.errors import BookableError, BookableProblem, RateLimited, ServerError
from bot.bookable.models import BookingRequest, Product, Venue
from bot.service.accounts import use_account
from bot.service.booking import CANCELLED, BookingContext, BookingService
from bot.service.changes import ChangeRequest
from bot.service.periodic import Periodic
from bot.service.times import FreeTime, SearchTimes, SlotCheck
from bot.slack.blocks import plan as blocks
from bot.slack.errors import describe
from bot.slack.statuses import DECLINED
from bot.store.plans import BOOKED, OPEN, VoteResult
from bot.store.records import BookingRecord, Plan, PlanOption

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.service.accounts import BookableAccounts
    from bot.service.calendar import Calendar
    from bot.store import Store

log = logging.getLogger(__name__)

ClientFor = Callable[[str | None], Awaitable["AsyncWebClient"]]
Clock = Callable[[], datetime]
# stale: the option a Book it named has nobody in now, or is gone
BookOutcome = Literal["booked", "gone", "nobody", "busy", "pending", "failed", "stale"]
T = TypeVar("T")

LEASE_SECONDS = 120.0
UPDATE_INTERVAL = 1.0  # at most one update of plan messages per channel per second
BATCH = 20
MAX_UPDATE_ATTEMPTS = 3  # a message update that keeps failing waits for the next vote
# Seconds after an update without some option's availability until it is tried again
# (each once; then the next vote): soon for a slow answer, later for a spent budget.
RECHECKS = (5.0, 20.0, 60.0)
AVAILABILITY_TIMEOUT = 2.0  # seconds an update waits for availability before going without
MODAL_PARTY = 2  # the party the plan modal shows free times for (nobody has voted yet)


@dataclass(frozen=True)
class OptionDraft:
    composite_id: str
    date: date
    time: str


@dataclass(frozen=True)
class PlanDraft:
    """What the organiser asked for, checked by the listener's parser."""

    team_id: str
    channel_id: str
    organiser_id: str
    options: tuple[OptionDraft, ...]
    booker: dict[str, str]  # firstName, lastName, email, phone
    note: str = ""
    deadline: datetime | None = None


class UnknownVenue(ValueError):
    """An option names a product Bookable does not know (a forged or stale choice)."""

    def __init__(self, position: int) -> None:
        super().__init__(f"option {position + 1}: unknown venue")
        self.position = position


class PlanService:
    def __init__(
        self,
        store: Store,
        booking: BookingService,
        *,
        times: SearchTimes,
        client_for: ClientFor,
        clock: Clock,
        calendar: Calendar | None = None,
        accounts: BookableAccounts | None = None,
        update_interval: float = UPDATE_INTERVAL,
        poll_interval: float = 5.0,
        availability_timeout: float = AVAILABILITY_TIMEOUT,
    ) -> None:
        """`client_for(team)`: a Slack client whose retry handlers wait out a rate limit
        (plans have no outbox: the notifier's `retrying_client_for`). `calendar`: the Add
        to calendar links in the booked DMs (none without it).
        `accounts` (OAuth mode): each plan calls Bookable with its workspace's own account,
        also from a deadline pass or a message update, outside any Slack request."""
        self._store = store
        self._calendar = calendar
        self._accounts = accounts
        self._booking = booking
        self._times = times
        self._availability_timeout = availability_timeout
        self._client_for = client_for
        self._clock = clock
        self._refresher = Refresher(self._message, self._send, update_interval)
        self._party_locks: dict[str, asyncio.Lock] = {}
        self._periodic = Periodic("plan deadlines", poll_interval, self.run_due)
        booking.after_cancel.append(self.booking_cancelled)

    # --- creating and voting -------------------------------------------------------------

    async def create(self, draft: PlanDraft) -> Plan:
        """Store the plan, post its message, remember where. Raises `UnknownVenue`."""
        options = []
        for position, wanted in enumerate(draft.options):
            found = await self._venue_product(wanted.composite_id)
            if found is None:
                raise UnknownVenue(position)
            venue, product = found
            options.append(
                PlanOption(
                    position=position,
                    composite_id=wanted.composite_id,
                    venue_name=venue.name,
                    product_name=product.product_name or "",
                    date=wanted.date,
                    time=wanted.time,
                )
            )
        plan_id = uuid.uuid4().hex
        await self._store.create_plan(
            plan_id,
            team_id=draft.team_id,
            channel_id=draft.channel_id,
            organiser_id=draft.organiser_id,
            note=draft.note,
            booker=draft.booker,
            deadline=draft.deadline,
            options=options,
        )
        plan = await self._store.get_plan(plan_id)
        assert plan is not None
        client = await self._client_for(plan.team_id)
        posted = await client.chat_postMessage(channel=plan.channel_id, **blocks.plan_message(plan))
        await self._store.set_plan_message(plan_id, str(posted["ts"]))
        await self._offer_control(plan, blocks.organiser_control(plan))
        self.refresh(plan)  # availability follows in place, so posting never waits for it
        log.info("plan %s posted in %s with %d options", plan_id, plan.channel_id, len(options))
        return plan

    async def _offer_control(self, plan: Plan, control: dict[str, Any]) -> None:
        """The organiser control, ephemeral to the organiser. If it can't be posted, the
        message's Organiser tools button brings it back."""
        client = await self._client_for(plan.team_id)
        try:
            await client.chat_postEphemeral(
                channel=plan.channel_id, user=plan.organiser_id, **control
            )
        except Exception as error:
            log.info("plan %s: organiser control not posted (%s)", plan.plan_id, error)

    async def plan(self, plan_id: str, team_id: str) -> Plan | None:
        """The plan, if it belongs to `team_id` (a button from elsewhere finds nothing)."""
        plan = await self._store.get_plan(plan_id)
        return plan if plan is not None and plan.team_id == team_id else None

    async def vote(self, plan: Plan, user_id: str, position: int | None) -> VoteResult:
        """Toggle or move `user_id`'s vote; the message follows, and a booked table's
        party size."""
        if position is not None and not any(o.position == position for o in plan.options):
            return "closed"
        result = await self._store.vote(plan.plan_id, user_id, position)
        if result != "closed":
            self.refresh(plan)
            if plan.state == BOOKED:
                await self.follow_party(plan.plan_id)
        return result

    def refresh(self, plan: Plan) -> None:
        """Update the plan's message soon (coalesced, paced per channel)."""
        self._refresher.request(plan.plan_id, plan.channel_id)

    async def _message(self, plan_id: str) -> PlanUpdate | None:
        """The plan's message as it should be now (the store, then availability), or None
        when there is no message to update."""
        plan = await self._store.get_plan(plan_id)
        if plan is None or plan.message_ts is None:
            return None
        await self._as_workspace(plan.team_id)
        availability = await self._availability(plan)
        complete = availability is None or None not in availability.values()
        return PlanUpdate(plan, blocks.plan_message(plan, availability), complete)

    async def _send(self, update: PlanUpdate) -> None:
        plan = update.plan
        client = await self._client_for(plan.team_id)
        assert plan.message_ts is not None  # `_message` checked it
        await client.chat_update(channel=plan.channel_id, ts=plan.message_ts, **update.content)

    # --- availability --------------------------------------------------------------------

    async def _availability(self, plan: Plan) -> dict[int, SlotCheck | None] | None:
        """Each open option's slot for its party (the people in, at least 1); None for an
        option not known in time. None for the plan once it is no longer open: booked and
        closed plans show their state, not availability."""
        if plan.state != OPEN:
            return None
        options = [option for option in plan.options if not option.gone]
        checks = await asyncio.gather(
            *(
                self._within(self._check(option, max(1, len(plan.voters(option.position)))))
                for option in options
            )
        )
        return {option.position: check for option, check in zip(options, checks, strict=True)}

    async def _check(self, option: PlanOption, party: int) -> SlotCheck | None:
        product = await self._product(option.composite_id)
        times = (
            await self._times.product_times(product, on=option.date, party=party)
            if product is not None
            else None
        )
        return None if times is None else self._times.check_slot(times, at=option.time, party=party)

    async def free_times(
        self, composite_id: str, on: date, *, party: int = MODAL_PARTY
    ) -> list[FreeTime] | None:
        """The plan modal's line under an option: that product's free times on `on`, or
        None when not known in time (the modal then shows nothing)."""

        async def lookup() -> list[FreeTime] | None:
            product = await self._product(composite_id)
            if product is None:
                return None
            return await self._times.product_times(product, on=on, party=party)

        return await self._within(lookup())

    async def _product(self, composite_id: str) -> Product | None:
        found = await self._venue_product(composite_id)
        return found[1] if found is not None else None

    async def _venue_product(self, composite_id: str) -> tuple[Venue, Product] | None:
        venue = await self._booking.venue_for(None, composite_id)
        products = venue.products if venue is not None else []
        product = next((p for p in products if p.composite_id == composite_id), None)
        return (venue, product) if venue is not None and product is not None else None

    async def known_products(self, composite_ids: Sequence[str]) -> list[tuple[Venue, Product]]:
        """The venue and product of each compositeId Bookable still knows, in order (Plan
        with the channel: the results just shown, so cached); the others are left out."""
        known = []
        for composite_id in composite_ids:
            try:
                found = await self._venue_product(composite_id)
            except BookableError as error:
                log.info("plan: %s not looked up (%s)", composite_id, error)
                continue  # the organiser picks it again in the modal
            if found is not None:
                known.append(found)
        return known

    async def _within(self, lookup: Coroutine[Any, Any, T | None]) -> T | None:
        """`lookup`'s answer, or None when it fails or takes longer than the timeout (its
        Bookable call, shared through the cache, still finishes for the next update)."""
        try:
            async with asyncio.timeout(self._availability_timeout):
                return await lookup
        except TimeoutError:
            log.info("availability not known within %ss", self._availability_timeout)
        except BookableError as error:  # e.g. the venue lookup while Bookable is down
            log.info("availability not known: %s", error)
        except Exception:
            log.exception("availability lookup failed")  # a bug: the message still updates
        return None

    # --- booking the winner --------------------------------------------------------------

    async def book(self, plan: Plan, position: int | None = None) -> BookOutcome:
        """Book it: claim the plan (one booking at a time), then book its winner, or the
        option at `position` (offered when the winner's slot was gone) and no other."""
        if not await self._store.claim_plan(
            plan.plan_id, now=self._clock(), lease_seconds=LEASE_SECONDS
        ):
            return "busy"
        return await self._book_claimed(plan.plan_id, position)

    async def run_due(self) -> Counter[str]:
        """Book every plan whose deadline has passed (the periodic pass and /_dev)."""
        outcomes: Counter[str] = Counter()
        while True:
            claimed = await self._store.claim_due_plans(
                now=self._clock(), limit=BATCH, lease_seconds=LEASE_SECONDS
            )
            for plan_id in claimed:
                outcomes[await self._book_claimed(plan_id)] += 1
            if len(claimed) < BATCH:
                return outcomes

    async def next_due(self) -> datetime | None:
        return await self._store.next_plan_deadline()

    async def _book_claimed(self, plan_id: str, position: int | None = None) -> BookOutcome:
        plan = await self._store.get_plan(plan_id)
        assert plan is not None
        await self._as_workspace(plan.team_id)
        try:
            outcome = await self._book_winner(plan, position)
        except Exception:
            log.exception("plan %s: booking the winner failed", plan_id)
            await self._store.reopen_plan(plan_id)
            await self._thread(plan, f"{blocks.mention(plan.organiser_id)}: I couldn't book "
                               "just now. Press *Book it* again (Organiser tools).")  # fmt: skip
            outcome = "failed"
        self.refresh(plan)
        return outcome

    async def _book_winner(self, plan: Plan, position: int | None = None) -> BookOutcome:
        resumed = await self._resume(plan)
        if resumed is not None:
            return resumed
        ranked = ranked_options(plan)
        if position is not None:  # that option first; the rest stay next in line
            ranked.sort(key=lambda o: o.position != position)
            if not ranked or ranked[0].position != position:
                # Back to voting (the deadline went already, with the slot that was gone).
                await self._store.reopen_plan(plan.plan_id)
                return "stale"
        if not ranked:
            await self._store.reopen_plan(plan.plan_id)
            await self._thread(plan, blocks.nobody_in_note(plan))
            return "nobody"
        winner = ranked[0]
        party = len(plan.voters(winner.position))
        try:
            slot = await self._free_slot(winner, party)
        except BookableProblem as refused:
            if refused.is_retryable or isinstance(refused, RateLimited | ServerError):
                raise  # Bookable can't answer now: the organiser is asked to try again
            slot = None  # e.g. the venue has since closed that day: this option is gone
        if slot is not None:
            try:
                created = await self._create(plan, winner, party, slot)
            except BookableError as refused:  # taken between the check and the create
                log.info("plan %s: option %d refused (%s)", plan.plan_id, winner.position, refused)
                created = None
            if created is None:
                slot = None
            elif created == "pending":
                return "pending"
            else:
                await self._booked(plan, winner, created)
                return "booked"
        await self._store.reopen_plan(plan.plan_id, gone=winner.position)
        following = ranked[1] if len(ranked) > 1 else None
        await self._thread(plan, blocks.slot_gone_note(plan, winner, party, following))
        await self._offer_control(plan, blocks.slot_gone_control(plan, winner, party, following))
        return "gone"

    async def _resume(self, plan: Plan) -> BookOutcome | None:
        """A booking an earlier pass asked Bookable for without a clear answer: finished
        now if it was made (its webhook adopted it), else still waited for; None when no
        option has one (book as usual)."""
        for option in plan.options:
            submission = await self._store.get_submission(booking_key(plan, option))
            if submission is None:
                continue
            if submission.state == "done" and submission.booking_id:
                record = await self._store.get_booking(submission.booking_id)
                if record is not None:
                    await self._booked(plan, option, record)
                    return "booked"
            if submission.state == "unknown":  # the sweep found no such booking
                await self._store.reopen_plan(plan.plan_id, gone=option.position)
                await self._thread(plan, blocks.unconfirmed_note(plan, option))
                return "failed"
            await self._retry_later(plan)
            return "pending"
        return None

    async def _retry_later(self, plan: Plan) -> None:
        """Claimed again, as a deadline, once this claim's lease has run out."""
        at = self._clock() + timedelta(seconds=LEASE_SECONDS)
        await self._store.retry_plan_at(plan.plan_id, at)

    async def _free_slot(self, option: PlanOption, party: int) -> str | None:
        """The slot's type ("book" or "request") if Bookable offers it for `party` now."""
        available = await self._booking.availability(
            option.composite_id, on=option.date, party=party
        )
        found = next((t for t in available.times if t.time[:5] == option.time[:5]), None)
        return str(found.type.value) if found is not None else None

    async def _create(
        self, plan: Plan, option: PlanOption, party: int, slot_type: str
    ) -> BookingRecord | Literal["pending"]:
        where = BookingContext(
            team_id=plan.team_id,
            user_id=plan.organiser_id,
            channel_id=plan.channel_id,
            composite_id=option.composite_id,
            venue_name=option.venue_name,
            product_name=option.product_name,
        )
        request = BookingRequest.model_validate(
            {**plan.booker, "partySize": party, "date": option.date,
             "time": option.time[:5], "type": slot_type}
        )  # fmt: skip
        outcome = await self._booking.create(booking_key(plan, option), where, request)
        if outcome.record is None:  # no clear answer: asked again once the lease runs out
            await self._retry_later(plan)
            await self._thread(plan, "Bookable hasn't confirmed the booking yet; I'll post here "
                               "when it does.")  # fmt: skip
            return "pending"
        return outcome.record

    async def _booked(self, plan: Plan, option: PlanOption, record: BookingRecord) -> None:
        await self._store.plan_booked(
            plan.plan_id, position=option.position, booking_id=record.booking_id
        )
        await self._thread(plan, blocks.booked_note(option, record.party_size, record.operator_ref))
        links = await self._calendar.links(record) if self._calendar else None
        reminder = self._booking.reminders.plan(record)
        dm = blocks.booked_dm(
            plan, option, record, calendar=links, reminder_at=reminder.due_at if reminder else None
        )
        await self._tell_each(plan, plan.voters(option.position), dm)
        log.info("plan %s booked: booking %s", plan.plan_id, record.booking_id)
        await self.follow_party(plan.plan_id)  # votes cast while it was being booked

    # --- after booking -------------------------------------------------------------------

    async def follow_party(self, plan_id: str) -> None:
        """Make the booked table's size the number of people in (one change at a time per
        plan, always to the latest count). A refusal changes nothing; the organiser is told."""
        lock = self._party_locks.setdefault(plan_id, asyncio.Lock())
        async with lock:
            plan = await self._store.get_plan(plan_id)
            if plan is None or plan.state != BOOKED or plan.booking_id is None:
                return
            await self._as_workspace(plan.team_id)
            record = await self._store.get_booking(plan.booking_id)
            option = next((o for o in plan.options if o.position == plan.booked_position), None)
            if record is None or option is None or record.status == CANCELLED:
                return
            wanted = len(plan.voters(option.position))
            if wanted < 1 or wanted == record.party_size:
                return
            request = ChangeRequest(date=record.date, time=record.time, party_size=wanted)
            try:
                await self._booking.change(
                    f"plan:{plan_id}:party:{uuid.uuid4().hex}",
                    record,
                    user_id=plan.organiser_id,
                    request=request,
                )
            except BookableError as refused:
                log.info("plan %s: party of %d refused (%s)", plan_id, wanted, refused)
                note = blocks.party_refused_note(plan, option, wanted, record.party_size)
                await self._thread(plan, note)
                return
            await self._thread(plan, blocks.party_changed_note(wanted, record.party_size))

    async def booking_cancelled(self, record: BookingRecord) -> None:
        """`BookingService.after_cancel`: a plan's booking was cancelled, so the plan closes
        and everyone who was in hears it."""
        plan_id = await self._store.plan_for_booking(record.booking_id)
        if plan_id is None or not await self._store.close_plan(plan_id):
            return
        plan = await self._store.get_plan(plan_id)
        assert plan is not None
        option = next((o for o in plan.options if o.position == plan.booked_position), None)
        text = blocks.cancelled_note(plan, option)
        await self._thread(plan, text)
        if option is not None:
            await self._tell_each(
                plan, plan.voters(option.position), blocks.message(text, [blocks.section(text)])
            )
        self.refresh(plan)

    async def booking_updated(self, booking_id: str) -> None:
        """The notifier's hook after a booking's status changed: a plan whose booking the
        venue cancelled or declined closes as a cancel made here does (once)."""
        record = await self._store.get_booking(booking_id)
        if record is not None and record.status in (CANCELLED, DECLINED):
            await self.booking_cancelled(record)

    async def close(self, plan: Plan) -> bool:
        closed = await self._store.close_plan(plan.plan_id)
        if closed:
            self.refresh(plan)
        return closed

    async def _as_workspace(self, team_id: str) -> None:
        """Bookable calls from here on in this task use the workspace's own account (the
        operator's without one). Deadline passes and message updates run outside any Slack
        request, so nothing else has set it."""
        if self._accounts is not None:
            use_account(await self._accounts.client_for(team_id))

    # --- posting -------------------------------------------------------------------------

    async def _thread(self, plan: Plan, text: str) -> None:
        """A note in the plan's thread. Best effort, as the DMs: the plan's state is in the
        store and its message, so a note Slack refuses is logged and changes nothing."""
        fresh = await self._store.get_plan(plan.plan_id)
        client = await self._client_for(plan.team_id)
        await self._post(
            plan,
            lambda: client.chat_postMessage(
                channel=plan.channel_id,
                thread_ts=(fresh or plan).message_ts,
                **blocks.message(text, [blocks.section(text)]),
            ),
            "thread note",
        )

    async def _tell_each(
        self, plan: Plan, user_ids: Sequence[str], content: dict[str, Any]
    ) -> None:
        """A DM (`content`: text and blocks) to each person, in turn; one person who can't
        get DMs doesn't stop the others."""
        client = await self._client_for(plan.team_id)

        async def dm(user_id: str) -> None:
            opened = await client.conversations_open(users=user_id)
            await client.chat_postMessage(channel=str(opened["channel"]["id"]), **content)

        for user_id in user_ids:
            await self._post(plan, functools.partial(dm, user_id), f"DM to {user_id}")

    async def _post(self, plan: Plan, call: Callable[[], Awaitable[object]], what: str) -> None:
        """`call` to Slack (its client waits out a rate limit: a hundred people in is a
        burst of DMs); a failure is logged and changes no state."""
        try:
            await call()
        except SlackApiError as error:
            log.info("plan %s: %s failed (%s)", plan.plan_id, what, describe(error))
        except Exception as error:
            log.info("plan %s: %s failed (%r)", plan.plan_id, what, error)

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
        await self._refresher.aclose()


def booking_key(plan: Plan, option: PlanOption) -> str:
    """One idempotency key per plan and option: a retried Book it, deadline or pass never
    books twice."""
    return f"plan:{plan.plan_id}:{option.position}"


def ranked_options(plan: Plan) -> list[PlanOption]:
    """Options someone is in for and whose slot is not known gone: most votes first, then
    as the organiser listed them."""
    counts = Counter(position for position in plan.votes.values() if position is not None)
    live = [o for o in plan.options if not o.gone and counts[o.position] > 0]
    return sorted(live, key=lambda o: (-counts[o.position], o.position))


@dataclass(frozen=True)
class PlanUpdate:
    plan: Plan
    content: dict[str, Any]  # chat.update's text and blocks
    complete: bool  # False: some option's availability was not known in time


class Refresher:
    """Coalesces message updates: a plan asked for while its update runs is updated once
    more afterwards (from the store, so the last update shows the last vote), and each
    channel gets at most one update per `interval` seconds. The message is built (store
    read, availability lookup) before the channel's turn, so a slow lookup holds up no
    other plan. An update that went out without some option's availability is built again
    later, a few times (`RECHECKS`): the lookup that timed out fills the cache meanwhile."""

    def __init__(
        self,
        build: Callable[[str], Awaitable[PlanUpdate | None]],
        send: Callable[[PlanUpdate], Awaitable[None]],
        interval: float,
    ) -> None:
        self._build = build
        self._send = send
        self._interval = interval
        self._dirty: set[str] = set()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._channels: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}
        self._rechecks: dict[str, int] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def request(self, plan_id: str, channel_id: str) -> None:
        self._dirty.add(plan_id)
        if plan_id not in self._tasks:
            self._tasks[plan_id] = asyncio.create_task(self._run(plan_id, channel_id))

    async def _run(self, plan_id: str, channel_id: str) -> None:
        lock = self._channels.setdefault(channel_id, asyncio.Lock())
        failures = 0
        try:
            while plan_id in self._dirty:
                self._dirty.discard(plan_id)  # a vote from now on asks for another round
                try:
                    update = await self._build(plan_id)
                    if update is None:
                        continue
                    async with lock:
                        turn = self._last.get(channel_id, -math.inf) + self._interval
                        if turn > time.monotonic():
                            await asyncio.sleep(turn - time.monotonic())  # pacing
                        self._last[channel_id] = time.monotonic()
                        await self._send(update)
                except Exception:
                    log.exception("plan %s: updating its message failed", plan_id)
                    failures += 1
                    if failures < MAX_UPDATE_ATTEMPTS:  # e.g. rate limited: again, paced
                        self._dirty.add(plan_id)
                    continue
                self._recheck_later(plan_id, channel_id, update.complete)
        finally:
            self._tasks.pop(plan_id, None)

    def _recheck_later(self, plan_id: str, channel_id: str, complete: bool) -> None:
        if complete:
            self._rechecks.pop(plan_id, None)
            return
        done = self._rechecks.get(plan_id, 0)
        if done >= len(RECHECKS) or plan_id in self._timers:
            return
        self._rechecks[plan_id] = done + 1

        def again() -> None:
            self._timers.pop(plan_id, None)
            self.request(plan_id, channel_id)

        self._timers[plan_id] = asyncio.get_running_loop().call_later(RECHECKS[done], again)

    async def aclose(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in list(self._tasks.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
