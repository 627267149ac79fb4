"""What one outbox job does in Slack, exactly once (the `Notifier` runs these).

* Booking made through the app: for each change after its creation (the confirmation
  message already shows the status it was made with), a thread reply under that message, then
  `chat.update` of that message, but only when this update is what the booking now shows
  (an older update arriving late gets its reply, marked as late, and never overwrites a
  newer status). If the bot cannot post in the channel (`bot.slack.errors.CHANNEL_UNUSABLE`:
  not a member, channel gone or archived, `restricted_action`, …), the update goes to the
  booker's DM instead; if the booker can't get DMs either, the job is `Undeliverable` and
  becomes a dead letter.
* Its confirmation ("confirm" job, queued when the booking is recorded): in the search's
  channel, else in the booker's DM; the message ts is recorded for the updates to come.
  A "confirm" job is claimed before any status job of its booking.
* A booking the app asked for but never heard back about (an in-progress submission
  matches the event: `bot.service.adoption`): adopted, i.e. recorded with its
  "confirm" job, as the create would have.
* A create whose result stayed unknown ("unresolved" job, from `bot.service.sweep`): the
  booker is told plainly, by DM, what to check.
* Every booking, also one made through the app (then only in the booker's workspace, and
  never in the channel it was booked in, which has its confirmation thread): a notice in
  every channel whose subscription matches. Bookable's
  webhook names no venue, so its names come from the booking's `compositeId`
  (`bot.service.venues.VenueDirectory`) before subscriptions are matched; a venue nobody
  can find matches only subscriptions without a venue or group filter.

Exactly once: each successful post is recorded in the job's `progress` before the next
step. A post can still land unrecorded (a timeout or 5xx whose message Slack did post, or
a crash between Slack's answer and our write); such a job is *suspect*, and before posting
again it looks for its own message by the `metadata` every post carries. A job is suspect
when it was retried after an ambiguous failure, or claimed again after its worker died
(`attempts` higher than the releases it recorded itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.notify.pacing import NotifierPacing
from bot.service.adoption import adoption_for
from bot.slack.blocks.booking import booking_message, posted_here_instead
from bot.slack.blocks.changes import change_line, change_note
from bot.slack.blocks.status import (
    StatusChange,
    status_direct_message,
    status_thread_reply,
    subscription_notice,
)
from bot.slack.blocks.unresolved import unresolved_message
from bot.slack.errors import (
    BOT_NOT_IN_CHANNEL,
    CHANNEL_UNUSABLE,
    DM_IMPOSSIBLE,
    MESSAGE_NOT_EDITABLE,
    THREAD_GONE,
    error_code,
    rate_limited,
    retry_after,
)
from bot.slack.statuses import CANCELLED, shown_status
from bot.store.changes import CHANGE_JOB_KEY
from bot.store.records import BookingDetails, submission_of

if TYPE_CHECKING:
    from bot.service.calendar import Calendar, CalendarLinks
    from bot.service.reminders import Reminders
    from bot.service.venues import VenueDirectory
    from bot.store import BookingRecord, OutboxJob, Store, Subscription

log = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "bookable_status_update"
LOOKUP_PAGES = 10
MIN_DELAY = 0.05
MAX_PARTY = 10_000
MAX_DURATION = 7 * 24 * 60  # minutes


class Paced(Exception):
    """The channel's send slot is `delay` seconds away: release the job until then."""

    def __init__(self, delay: float) -> None:
        super().__init__("waiting for the channel's send slot")
        self.delay = delay


class HandBack(Exception):
    """Not enough lease left for another Slack call, or the worker is stopping."""


class LeaseLost(Exception):
    """Another worker owns the job now: stop touching it."""


class Undeliverable(Exception):
    """Nobody can be told, now or later (e.g. the channel refuses and the booker can't get
    DMs): the job becomes a dead letter with this reason."""


@dataclass
class JobRun:
    """One attempt at one job."""

    job: OutboxJob
    deadline: float  # loop time after which the lease may be gone
    progress: dict[str, Any] = field(default_factory=dict)
    suspect: bool = False  # an earlier attempt may have posted without recording it
    posting: bool = False  # a chat.postMessage was sent and has not answered
    team_id: str | None = None  # the workspace posted to now: its token is used

    @classmethod
    def start(cls, job: OutboxJob, deadline: float) -> JobRun:
        progress = dict(job.progress)
        unexplained = job.attempts > int(progress.get("releases", 0))
        return cls(job, deadline, progress, suspect=unexplained or bool(progress.get("suspect")))

    def release_record(self, *, ambiguous: bool) -> dict[str, Any]:
        """Progress to write before releasing the job. Each release raises `attempts` by one,
        so it is counted; a suspicion not yet resolved, or a post of this attempt that may
        have landed unseen, carries over as `suspect`."""
        return {"releases": self.job.attempts + 1, "suspect": ambiguous or self.suspect}


class StatusDelivery:
    """The Slack side of a job; the Notifier owns leases, retries and the worker loop."""

    def __init__(
        self,
        store: Store,
        worker_id: str,
        *,
        slack: Callable[[str | None], Awaitable[AsyncWebClient]],
        pacer: NotifierPacing,
        slack_timeout: float,
        max_hold: float,
        come_back_early: float,
        stopping: asyncio.Event,
        venues: VenueDirectory | None = None,
        unconfirmed_after: dt.timedelta,
        reminders: Reminders,
        calendar: Calendar | None = None,
    ) -> None:
        self._store = store
        self._venues = venues
        self._reminders = reminders
        self._calendar = calendar
        self._worker_id = worker_id
        self._slack = slack
        self._pacer = pacer
        self._slack_timeout = slack_timeout
        self._max_hold = max_hold
        self._come_back_early = come_back_early
        self._stopping = stopping
        self._unconfirmed_after = unconfirmed_after

    async def save(self, run: JobRun, **updates: Any) -> None:
        run.progress.update(updates)
        if not await self._store.mark_outbox_progress(run.job.id, self._worker_id, updates):
            raise LeaseLost

    def _before_slack_call(self, run: JobRun) -> None:
        if self._stopping.is_set():
            raise HandBack("worker stopping")
        if asyncio.get_running_loop().time() + self._slack_timeout > run.deadline:
            raise HandBack("lease ending")

    async def deliver(self, run: JobRun) -> None:
        job = run.job
        if job.kind == "confirm":
            await self._confirm(run)
        elif job.kind == "change":
            await self._announce_change(run)
        elif job.kind == "unresolved":
            await self._tell_unresolved(run)
        elif (record := await self._store.get_booking(job.booking_id)) is not None:
            if run.progress.get("adopting"):
                return  # an earlier attempt adopted with this event: it is no news
            status = await self._notify_booker(run, record)
            # Subscribed channels hear of it too, except the one the booking was made in.
            names = (record.venue_name, record.venue_group)
            await self._notify_subscribers(
                run, status, names=names, team=record.team_id, skip=record.channel_id
            )
        elif not await self._adopt(run):
            await self._notify_subscribers(run)

    async def _adopt(self, run: JobRun) -> bool:
        """Adopt the unknown booking of a create whose answer was lost (if it is one): its
        "confirm" job, queued with the record, posts the confirmation. Recorded in progress
        first, so a retry after a crash knows the record came from this very event."""
        job = run.job
        adoption = await adoption_for(self._store, job, unconfirmed_after=self._unconfirmed_after)
        if adoption is None:
            return False
        await self.save(run, adopting=adoption.key)
        if not await self._store.adopt_submission(adoption.key, adoption.record):
            # The create's own answer won the race: the booking is the app's, and this
            # event (its creation) is no news.
            return await self._store.get_booking(job.booking_id) is not None
        log.info(
            "booking %s adopted from its webhook (submission %s)", job.booking_id, adoption.key
        )
        return True

    # --- the confirmation of a booking made through the app (its "confirm" job) -------

    async def _confirm(self, run: JobRun) -> None:
        """In the search's channel, else (a DM search, or the bot can't post there) in the
        booker's DM; its ts is recorded on the booking, for the status updates to follow."""
        record = await self._store.get_booking(run.job.booking_id)
        if record is None:  # cannot happen: the job is queued with the record
            log.error("confirm job %s: booking %s not stored", run.job.id, run.job.booking_id)
            return
        run.team_id = record.team_id
        await self._reminders.reschedule(record)
        message = booking_message(record, await self._calendar_links(record))
        channel = record.channel_id
        if channel and not channel.startswith("D") and not run.progress.get("channel_lost"):
            try:
                ts = await self._post(run, "confirm_ts", channel, message)
            except SlackApiError as error:
                code = error_code(error)
                if code not in CHANNEL_UNUSABLE:
                    raise
                await self.save(run, channel_lost=code)
            else:
                await self._store.set_booking_message(
                    record.booking_id, channel, ts, posted_in_dm=False
                )
                return
        dm = await self._open_dm(run, record.user_id)
        ts = await self._post(run, "dm_ts", dm, message)
        await self._store.set_booking_message(record.booking_id, dm, ts, posted_in_dm=True)
        lost = run.progress.get("channel_lost")
        if lost and channel:
            why = posted_here_instead(channel, bot_not_in_channel=lost in BOT_NOT_IN_CHANNEL)
            await self._post(run, "dm_why_ts", dm, why)

    # --- a change made through the app (its "change" job) ------------------------------

    async def _announce_change(self, run: JobRun) -> None:
        """One note in the confirmation's thread ("Changed by @user: …"), then the message
        updated in place. The change's details were stored with the job."""
        key = run.progress.get(CHANGE_JOB_KEY)
        change = await self._store.get_change(str(key)) if key else None
        record = await self._store.get_booking(run.job.booking_id)
        if change is None or record is None:
            log.error("change job %s: change or booking %s unknown", run.job.id, run.job.booking_id)
            return
        run.team_id = record.team_id
        if not record.message_ts:
            return  # not posted yet: its confirmation will show the new details
        note = change_note(
            change.before, change.after, user_id=change.user_id, notes_changed=change.notes_changed
        )
        if not run.progress.get("thread_gone"):
            try:
                await self._post(
                    run, "reply_ts", record.channel_id, note, thread_ts=record.message_ts
                )
            except SlackApiError as error:
                code = error_code(error)
                if code not in THREAD_GONE | CHANNEL_UNUSABLE:
                    raise
                log.info("booking %s: change note not posted (%s)", record.booking_id, code)
                await self.save(run, thread_gone=True)
        await self._update_message(run, record)

    # --- a create whose result stayed unknown (its "unresolved" job, from the sweep) --

    async def _tell_unresolved(self, run: JobRun) -> None:
        key = submission_of(run.job.booking_id)
        submission = await self._store.get_submission(key) if key else None
        notice = _unresolved_notice(submission.context if submission else None)
        if notice is None:
            log.error("unresolved job %s: submission context unusable", run.job.id)
            return
        user, message = notice
        run.team_id = str((submission.context or {}).get("team_id") or "") if submission else None
        dm = await self._open_dm(run, user)
        await self._post(run, "dm_ts", dm, message)

    # --- bookings made through the app ------------------------------------------------

    async def _notify_booker(self, run: JobRun, record: BookingRecord) -> str:
        """Tell the booker; returns the status as shown."""
        job = run.job
        run.team_id = record.team_id
        if job.event_id is not None and await self._store.is_creation_event(job.event_id):
            # The app posted the confirmation itself when it made the booking: the creation
            # event (whatever its eventType; spec 1.2.0 sends booking.updated) is no news,
            # so it only records the status, without a thread reply.
            await self._store.apply_status(job.booking_id, job.status, job.last_update)
            if await self._apply_details(job):
                record = await self._store.get_booking(job.booking_id) or record
            await self._reminders.reschedule(record)
            return job.status
        old = await self._store.status_before(
            job.booking_id, job.last_update, event_id=job.event_id
        )
        details = _details(job.payload)
        moved = await self._venue_moved(run, record, details)  # before the store moves it
        # Cancelled through the app already (the Slack cancel records it at once).
        status = shown_status(job.status, old, cancelled_here=record.status == CANCELLED)
        if await self._store.apply_status(job.booking_id, status, job.last_update, details=details):
            current = replace(record, status=status, last_update=job.last_update)
            if details is not None:
                current = replace(
                    current, date=details.date, time=details.time, party_size=details.party_size
                )
        else:
            current = await self._store.get_booking(job.booking_id) or record
        if await self._apply_details(job):  # the duration, which the status leaves alone
            fresh = await self._store.get_booking(job.booking_id)
            if fresh is not None:  # this event's status and time, as worked out above
                current = replace(fresh, status=current.status, last_update=current.last_update)
        await self._reminders.reschedule(current)
        # From the stored record, not apply_status's answer: a retry after a crash between
        # the two still updates the message.
        shown = current.status == status and current.last_update == job.last_update
        change = StatusChange(
            new=status,
            old=old,
            reason=_text(job.payload.get("reason")),
            late=not shown and _newer(current.last_update, job.last_update),
            changed_at=job.last_update,
        )
        ours = None  # a change made through the app that this event may echo
        if details is not None and not change.changed and not change.late:
            ours = await self._store.latest_change(job.booking_id)
        echo = ours is not None and ours.after == details
        if echo:
            # Bookable's webhook for a change made through the app: that change's own job
            # posts its note; this only keeps the message current.
            if shown and current.message_ts and not run.progress.get("channel_lost"):
                await self._update_message(run, current)
            return status
        lines: list[str] = []  # a venue's move of the date, time or party size, said in the reply
        if moved is not None and details is not None:
            lines.append(change_line(moved, details, user_id=None))
        if not run.progress.get("channel_lost"):
            try:
                await self._reply_in_channel(run, current, change, lines)
            except SlackApiError as error:
                code = error_code(error)
                if code not in CHANNEL_UNUSABLE:
                    raise
                log.info(
                    "booking %s: channel unavailable (%s); telling the booker by DM",
                    job.booking_id, code,
                )  # fmt: skip
                await self.save(run, channel_lost=code)
        if run.progress.get("channel_lost"):
            await self._direct_message(run, current, change)
        elif shown and current.message_ts:
            await self._update_message(run, current)
        return status

    async def _apply_details(self, job: OutboxJob) -> bool:
        """The webhook's date, time, party size and duration onto the stored booking (a
        change made at the venue, or through Bookable); whether they changed. The caller
        then re-plans the booking's reminder from the booking as it now stands."""
        payload = job.payload
        return await self._store.apply_details(
            job.booking_id,
            job.last_update,
            date=_date(payload.get("date")),
            time=_hh_mm(payload.get("time")),
            party_size=_within(payload.get("partySize"), MAX_PARTY),
            duration=_within(payload.get("duration"), MAX_DURATION),
        )

    async def _calendar_links(self, record: BookingRecord) -> CalendarLinks | None:
        return await self._calendar.links(record) if self._calendar is not None else None

    async def _reply_in_channel(
        self,
        run: JobRun,
        record: BookingRecord,
        change: StatusChange,
        lines: Sequence[str] = (),
    ) -> None:
        if record.message_ts and not run.progress.get("thread_gone"):
            try:
                await self._post(
                    run, "reply_ts", record.channel_id, status_thread_reply(change, lines),
                    thread_ts=record.message_ts,
                )  # fmt: skip
                return
            except SlackApiError as error:
                if error_code(error) not in THREAD_GONE:
                    raise
                await self.save(run, thread_gone=True)
        # No confirmation message to reply under: a standalone update naming the booking.
        await self._post(
            run, "post_ts", record.channel_id, _standalone(record, change, channel_lost=False)
        )

    async def _direct_message(
        self, run: JobRun, record: BookingRecord, change: StatusChange
    ) -> None:
        dm = await self._open_dm(run, record.user_id)
        await self._post(run, "dm_ts", dm, _standalone(record, change, channel_lost=True))

    async def _open_dm(self, run: JobRun, user_id: str) -> str:
        """The booker's DM channel (recorded in progress); `Undeliverable` if they can't
        get DMs: that was the last place to tell them."""
        dm = run.progress.get("dm_channel")
        if dm:
            return str(dm)
        self._before_slack_call(run)
        try:
            opened = await (await self._slack(run.team_id)).conversations_open(users=user_id)
        except SlackApiError as error:
            code = error_code(error)
            if code not in DM_IMPOSSIBLE:
                raise
            raise Undeliverable(f"cannot DM the booker ({code})") from error
        dm = str(opened["channel"]["id"])
        await self.save(run, dm_channel=dm)
        return dm

    async def _update_message(self, run: JobRun, record: BookingRecord) -> None:
        assert record.message_ts is not None
        links = await self._calendar_links(record)
        self._before_slack_call(run)
        message = booking_message(record, links)
        try:
            await (await self._slack(run.team_id)).chat_update(
                channel=record.channel_id,
                ts=record.message_ts,
                text=message["text"],
                blocks=message["blocks"],
            )
        except SlackApiError as error:
            if error_code(error) not in CHANNEL_UNUSABLE | MESSAGE_NOT_EDITABLE:
                raise
            log.warning(
                "booking %s: confirmation message cannot be updated (%s)",
                record.booking_id, error_code(error),
            )  # fmt: skip

    async def _venue_moved(
        self, run: JobRun, record: BookingRecord, details: BookingDetails | None
    ) -> BookingDetails | None:
        """The booking's details before this event, when the event moves it; else None.
        Kept in the job's progress before the store is updated, so a retry still knows."""
        if run.progress.get("moved_from"):
            return BookingDetails.from_json(run.progress["moved_from"])
        if details is None or details == BookingDetails.of(record):
            return None
        before = BookingDetails.of(record)
        await self.save(run, moved_from=before.to_json())
        return before

    # --- bookings made elsewhere: channel subscriptions -------------------------------

    async def _notify_subscribers(
        self,
        run: JobRun,
        status: str | None = None,
        *,
        names: tuple[str | None, str | None] | None = None,
        team: str | None = None,
        skip: str | None = None,
    ) -> None:
        """A notice in each subscribed channel (of `team`, if given) but `skip`; `status`
        and `names` are the booking's when the app made it (else read from the event)."""
        job = run.job
        venue, group = names or await self._venue_names(job)
        old = await self._store.status_before(
            job.booking_id, job.last_update, event_id=job.event_id
        )
        status = status or shown_status(job.status, old)
        subscriptions = await self._on_account_of(
            job,
            await self._store.matching_subscriptions(
                venue_name=venue, group_name=group, status=status
            ),
        )
        # Each workspace's channels get the notice with that workspace's token.
        channels = sorted(
            {
                (s.channel_id, s.team_id)
                for s in subscriptions
                if s.channel_id != skip and team in (None, s.team_id)
            }
        )
        if not channels:
            return
        change = StatusChange(
            new=status, old=old, reason=_text(job.payload.get("reason")),
            changed_at=job.last_update,
        )  # fmt: skip
        notice = subscription_notice(
            change,
            venue_name=venue,
            group_name=group,
            date=_date(job.payload.get("date")),
            time=_text(job.payload.get("time")),
            party_size=_int(job.payload.get("partySize")),
            reference=_text(job.payload.get("reference")),
        )
        for channel, team_id in channels:
            key = f"posted:{channel}"
            run.team_id = team_id
            try:
                await self._post(run, key, channel, notice)
            except Undeliverable as why:  # that workspace uninstalled the app
                log.warning("subscription channel %s skipped: %s", channel, why)
                await self.save(run, **{key: "skipped:not_installed"})
            except SlackApiError as error:
                code = error_code(error)
                if code not in CHANNEL_UNUSABLE:
                    raise
                log.warning("subscription channel %s unavailable (%s); skipped", channel, code)
                await self.save(run, **{key: f"skipped:{code}"})

    async def _on_account_of(
        self, job: OutboxJob, subscriptions: list[Subscription]
    ) -> list[Subscription]:
        """Only workspaces on the Bookable account whose webhook brought the event: a
        booking made elsewhere under one partner account is no other account's business."""
        if not subscriptions:
            return subscriptions
        accounts = await self._store.accounts_by_team()
        if not accounts:  # every workspace uses the operator's account
            return subscriptions
        account = await self._store.event_account(job.event_id) if job.event_id else None
        return [s for s in subscriptions if accounts.get(s.team_id) == account]

    async def _venue_names(self, job: OutboxJob) -> tuple[str | None, str | None]:
        """The event's own names when it has them (an undocumented extra), else the
        directory's for its compositeId; None for a venue that cannot be found. A lookup
        that fails for now raises, and the job is retried later."""
        venue = job.venue_name or _text(job.payload.get("venueName"))
        group = job.group_name or _text(job.payload.get("venueGroupName"))
        composite_id = _text(job.payload.get("compositeId"))
        if venue or self._venues is None or composite_id is None:
            return venue, group
        found = await self._venues.names(composite_id)
        if found is None:
            log.info("booking %s: venue of %s unknown", job.booking_id, composite_id)
            return None, group
        return found.venue, group or found.group

    # --- posting exactly once ----------------------------------------------------------

    async def _post(
        self,
        run: JobRun,
        key: str,
        channel: str,
        message: dict[str, Any],
        *,
        thread_ts: str | None = None,
    ) -> str:
        """Post unless `progress[key]` says it was posted; returns the message ts."""
        done = run.progress.get(key)
        if done:
            return str(done)
        if run.suspect:
            # Only the first unrecorded post of a job can have been in flight before.
            found = await self._find_posted(run, channel, thread_ts)
            run.suspect = False
            if found:
                await self.save(run, **{key: found})
                return found
        client = await self._slack(run.team_id)  # Undeliverable if not installed there
        await self._pace(run, channel)
        self._before_slack_call(run)
        spacing = self._pacer.gate(channel)  # actual sends spaced, whatever the plan said
        if spacing > 0:
            await asyncio.sleep(spacing)
        run.posting = True
        try:
            response = await client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=message["text"],
                blocks=message["blocks"],
                metadata={
                    "event_type": METADATA_EVENT_TYPE,
                    "event_payload": {"job_id": run.job.id, "event_id": run.job.event_id},
                },
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            if rate_limited(error):
                await self._pacer.pause(channel, retry_after(error))
            raise
        finally:
            self._pacer.release((run.job.id, channel))
        run.posting = False
        ts = str(response["ts"])
        await self.save(run, **{key: ts})
        return ts

    async def _pace(self, run: JobRun, channel: str) -> None:
        wait = await self._pacer.reserve(channel, (run.job.id, channel))
        if wait > self._max_hold:
            # Come back a little before the slot (claims are polled) and wait out the rest.
            raise Paced(max(MIN_DELAY, wait - self._come_back_early))
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), wait)

    async def _find_posted(self, run: JobRun, channel: str, thread_ts: str | None) -> str | None:
        """The ts of a message this job already posted (found by its metadata), if any."""
        client = await self._slack(run.team_id)
        cursor: str | None = None
        for _ in range(LOOKUP_PAGES):
            self._before_slack_call(run)
            if thread_ts:
                response = await client.conversations_replies(
                    channel=channel, ts=thread_ts, include_all_metadata=True, limit=200,
                    cursor=cursor,
                )  # fmt: skip
            else:  # newest first: a post from an earlier attempt is recent
                response = await client.conversations_history(
                    channel=channel, include_all_metadata=True, limit=200, cursor=cursor
                )
            for message in response.get("messages") or []:
                if _is_from_job(message, run.job):
                    log.info("outbox job %s: found its earlier post; not posting again", run.job.id)
                    return str(message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None


def _unresolved_notice(context: dict[str, Any] | None) -> tuple[str, dict[str, Any]] | None:
    """Who to tell and what, from the submission's stored context; None if unusable."""
    if not context or not context.get("user_id"):
        return None
    try:
        message = unresolved_message(
            venue_name=str(context.get("venue_name") or ""),
            date=dt.date.fromisoformat(str(context["date"])),
            time=str(context["time"]),
            party_size=int(context["party_size"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return str(context["user_id"]), message


def _details(payload: dict[str, Any]) -> BookingDetails | None:
    """Date, time (HH:MM) and party size of a webhook booking, if it has all three."""
    on, time, party = (
        _date(payload.get("date")),
        _text(payload.get("time")),
        _int(payload.get("partySize")),
    )
    if on is None or time is None or party is None:
        return None
    return BookingDetails(on, time[:5], party)


def _standalone(
    record: BookingRecord, change: StatusChange, *, channel_lost: bool
) -> dict[str, Any]:
    return status_direct_message(
        change,
        venue_name=record.venue_name,
        date=record.date,
        time=record.time,
        party_size=record.party_size,
        reference=record.operator_ref,
        channel_lost=channel_lost,
    )


def _is_from_job(message: dict[str, Any], job: OutboxJob) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return (
        metadata.get("event_type") == METADATA_EVENT_TYPE
        and str(payload.get("job_id")) == str(job.id)
        and str(payload.get("event_id")) == str(job.event_id)
    )


def _newer(shown: dt.datetime | None, this: dt.datetime | None) -> bool:
    return shown is not None and (this is None or shown > this)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _within(value: Any, most: int) -> int | None:
    """A whole number in 1…most (a webhook's absurd values are ignored, never stored)."""
    number = _int(value)
    return number if number is not None and 0 < number <= most else None


def _hh_mm(value: Any) -> str | None:
    """A webhook's `HH:MM:SS` (or `HH:MM`) as the store keeps it, `HH:MM`; else None."""
    try:
        return dt.time.fromisoformat(value).strftime("%H:%M") if isinstance(value, str) else None
    except ValueError:
        return None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
