"""Outbox worker: turns stored Bookable events into Slack messages, exactly once.

Per job (one status update of one booking; the store hands out one job per booking at a
time, oldest first):

* booking made through the app: a thread reply under its confirmation message, then
  `chat.update` of that message, but only when this update is what the booking now shows
  (a late, older update gets its reply, marked as late, and never overwrites a newer one).
  If the channel is gone (`not_in_channel`, `channel_not_found`, `is_archived`), the
  update goes to the booker's DM instead;
* any other booking: a notice in every channel whose subscription matches.

Exactly once: every Slack post is recorded in the job's `progress` before moving on, and
an intent marker is written just before posting. A job retried with an intent but no
recorded ts (a crash or timeout between Slack's answer and our write) first looks for its
own message by the `metadata` it carries, and only posts if it is not there.

Failures never drop a job: 429 waits `Retry-After`; 5xx, timeouts and network errors back
off exponentially with jitter up to `notifier_max_backoff`, then retry at that bound.
`chat.postMessage` is paced per channel (see `bot.service.pacing`); a job whose slot is
far off goes back to the outbox with that delay so other channels are not held up.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.service.pacing import ChannelPacer
from bot.slack.blocks.booking import booking_message
from bot.slack.blocks.status import (
    StatusChange,
    status_direct_message,
    status_thread_reply,
    subscription_notice,
)

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import BookingRecord, OutboxJob, Store

log = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "bookable_status_update"
CHANNEL_LOST = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
THREAD_GONE = frozenset({"thread_not_found", "message_not_found"})
# chat.update cannot succeed later either; the thread reply already carries the news.
UPDATE_IMPOSSIBLE = CHANNEL_LOST | frozenset(
    {"message_not_found", "cant_update_message", "edit_window_closed"}
)
# Nobody to tell: the booker's account is gone.
DM_IMPOSSIBLE = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot"})
BACKOFF_BASE = 0.5
MIN_RETRY_DELAY = 0.05
LOOKUP_PAGES = 10
LOOKUP_WINDOW = 300.0  # seconds before the intent, for clock skew between us and Slack


class _Paced(Exception):
    """The channel's next send slot is `delay` seconds away: release the job until then."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"paced for {delay:.2f}s")
        self.delay = delay


class _HandBack(Exception):
    """Too little lease left for another Slack call, or the worker is stopping: release
    the job for an immediate retry (not a failure)."""


class _LeaseLost(Exception):
    """Another worker owns the job now; stop touching it."""


@dataclass
class _Run:
    """One attempt at one job: its progress (as stored) and its lease deadline."""

    job: OutboxJob
    progress: dict[str, Any]
    deadline: float  # loop time after which the lease may be gone
    posting: bool = False  # a chat.postMessage is on the wire


class Notifier:
    """`start()`/`stop()` run it as a task; `run_once()` processes one claimed batch."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        slack: AsyncWebClient | None = None,
        worker_id: str | None = None,
        concurrency: int = 16,
        lease_seconds: float = 20.0,
        poll_interval: float = 0.5,
        slack_timeout: float = 5.0,
        max_hold: float = 1.0,
    ) -> None:
        if slack_timeout > lease_seconds / 2:
            raise ValueError("slack_timeout must be at most half of lease_seconds")
        self._store = store
        self._settings = settings
        self._source_client = slack
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._concurrency = concurrency
        self._lease = lease_seconds
        self._poll = poll_interval
        self._slack_timeout = slack_timeout
        self._max_hold = max_hold
        self._max_backoff = settings.notifier_max_backoff
        self._pacer = ChannelPacer(settings.notifier_channel_rate, settings.notifier_channel_burst)
        self._wakeup = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self._stop_requested = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._client: AsyncWebClient | None = None

    # --- lifecycle ---------------------------------------------------------------------

    def wake(self) -> None:
        """New work was stored: look now instead of at the next poll."""
        self._wakeup.set()

    async def start(self) -> None:
        if self._runner is None:
            self._stopping = False
            self._stop_requested.clear()
            self._runner = asyncio.create_task(self._run(), name=f"notifier:{self.worker_id}")
            log.info("notifier %s started", self.worker_id)

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming; running jobs finish their Slack call in flight, then release.

        Jobs are never cancelled in the middle of a database call (that can leave a SQLite
        connection holding its lock); only after `grace` (default: the Slack timeout plus
        a little) are stragglers cancelled, and their leases then simply expire.
        """
        self._stopping = True
        self._stop_requested.set()
        self._wakeup.set()
        if self._runner is not None:
            await self._runner
            self._runner = None
        tasks = list(self._in_flight.values())
        if tasks:
            limit = self._slack_timeout + 2.0 if grace is None else grace
            _, unfinished = await asyncio.wait(tasks, timeout=limit)
            for task in unfinished:
                log.warning("notifier %s: cancelling a job that did not stop", self.worker_id)
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session, self._client = None, None
        log.info("notifier %s stopped", self.worker_id)

    async def run_once(self) -> int:
        """Claim one batch and process it to the end; the number of jobs claimed."""
        jobs = await self._claim(self._concurrency)
        await asyncio.gather(*(self._process(job) for job in jobs))
        return len(jobs)

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._wakeup.clear()
            free = self._concurrency - len(self._in_flight)
            claimed = 0
            if free > 0:
                try:
                    jobs = await self._claim(free)
                except Exception:  # the database may be briefly unavailable; keep going
                    failures += 1
                    log.exception("notifier: could not claim jobs")
                    await self._idle(min(self._max_backoff, BACKOFF_BASE * 2**failures))
                    continue
                failures = 0
                claimed = len(jobs)
                for job in jobs:
                    self._spawn(job)
            if claimed and claimed == free:
                continue  # probably more waiting
            await self._idle(self._poll)

    async def _idle(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), seconds)

    def _spawn(self, job: OutboxJob) -> None:
        if job.id in self._in_flight:  # cannot happen while leases outlive jobs; be safe
            return
        task = asyncio.create_task(self._process(job), name=f"outbox-job:{job.id}")
        self._in_flight[job.id] = task

        def finished(_: asyncio.Task[None], job_id: int = job.id) -> None:
            self._in_flight.pop(job_id, None)
            self._wakeup.set()

        task.add_done_callback(finished)

    async def _claim(self, limit: int) -> list[OutboxJob]:
        return await self._store.claim_outbox(
            self.worker_id, limit=limit, lease_seconds=self._lease
        )

    def _slack(self) -> AsyncWebClient:
        """Our own client, without slack_sdk's retry handlers: retries go through the outbox."""
        if self._client is None:
            source = self._source_client
            if source is not None:
                token, base_url = source.token, source.base_url
            else:
                secret = self._settings.slack_bot_token
                token = secret.get_secret_value() if secret else None
                base_url = str(self._settings.slack_api_url)
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._slack_timeout)
            )
            self._client = AsyncWebClient(
                token=token,
                base_url=base_url,
                timeout=int(self._slack_timeout),
                session=self._session,
                retry_handlers=[],
            )
        return self._client

    # --- one job -----------------------------------------------------------------------

    async def _process(self, job: OutboxJob) -> None:
        loop = asyncio.get_running_loop()
        # Measured from after the claim, so conservative against the store's own clock.
        run = _Run(job, dict(job.progress), loop.time() + self._lease - 1.0)
        try:
            await self._deliver(run)
        except _Paced as paced:
            await self._release(run, paced.delay, "waiting for the channel's send slot")
        except _HandBack as why:
            await self._release(run, 0.0, str(why))
        except _LeaseLost:
            log.warning("outbox job %s: lease lost to another worker", job.id)
        except asyncio.CancelledError:
            # Last resort (see stop). A post cut off mid-call may still land, so its retry
            # waits as long as a timeout would, then finds it by metadata.
            if run.posting:
                with contextlib.suppress(Exception):
                    await self._release(run, self._slack_timeout, "worker stopped mid-post")
            raise
        except Exception as error:
            await self._retry_later(run, error)
        else:
            try:
                done = await self._store.complete_outbox(
                    job.id, self.worker_id, result=run.progress
                )
                if not done:
                    log.warning("outbox job %s finished after its lease was taken over", job.id)
            except Exception:
                log.exception("outbox job %s: could not mark done; it will be re-checked", job.id)

    async def _release(self, run: _Run, delay: float, why: str) -> None:
        job = run.job
        try:
            await self._store.reschedule_outbox(job.id, self.worker_id, delay=delay, error=why)
        except Exception:
            log.exception("outbox job %s: could not release; its lease will expire", job.id)

    async def _retry_later(self, run: _Run, error: Exception) -> None:
        failures = int(run.progress.get("failures", 0)) + 1
        delay, reason = self._retry_plan(error, failures)
        if isinstance(error, SlackApiError | aiohttp.ClientError | TimeoutError | OSError):
            log.warning(
                "outbox job %s (booking %s): %s; retry in %.1fs",
                run.job.id, run.job.booking_id, reason, delay,
            )  # fmt: skip
        else:
            log.error(
                "outbox job %s (booking %s) failed; retry in %.1fs",
                run.job.id, run.job.booking_id, delay, exc_info=error,
            )  # fmt: skip
        with contextlib.suppress(Exception):
            await self._save(run, failures=failures)
        await self._release(run, delay, reason)

    def _retry_plan(self, error: Exception, failures: int) -> tuple[float, str]:
        if isinstance(error, SlackApiError):
            status = error.response.status_code
            code = _error_code(error)
            if status == 429 or code == "ratelimited":
                return _retry_after(error), "Slack rate limit (429)"
            reason = f"Slack HTTP {status}" if status >= 500 else f"Slack error {code or status}"
        else:
            reason = type(error).__name__
        ceiling = min(self._max_backoff, BACKOFF_BASE * 2 ** min(failures - 1, 30))
        delay = max(MIN_RETRY_DELAY, ceiling * random.uniform(0.5, 1.0))
        if isinstance(error, TimeoutError):
            # Slack may still be handling the timed-out post: give it time to land, so the
            # metadata lookup on retry can see it.
            delay = max(delay, self._slack_timeout)
        return delay, reason

    async def _save(self, run: _Run, **updates: Any) -> None:
        run.progress.update(updates)
        if not await self._store.mark_outbox_progress(run.job.id, self.worker_id, updates):
            raise _LeaseLost

    def _check_lease(self, run: _Run) -> None:
        """Called before every Slack call: the call must be able to finish within the lease."""
        if self._stopping:
            raise _HandBack("worker stopping")
        if asyncio.get_running_loop().time() + self._slack_timeout > run.deadline:
            raise _HandBack("lease ending")

    async def _deliver(self, run: _Run) -> None:
        record = await self._store.get_booking(run.job.booking_id)
        if record is None:
            await self._notify_subscribers(run)
        else:
            await self._notify_booker(run, record)

    # --- bookings made through the app ------------------------------------------------

    async def _notify_booker(self, run: _Run, record: BookingRecord) -> None:
        job = run.job
        old = await self._store.status_before(job.booking_id, job.last_update)
        await self._store.apply_status(job.booking_id, job.status, job.last_update)
        current = await self._store.get_booking(job.booking_id) or record
        # Decided from the stored record, not from apply_status's answer, so that a retry
        # after a crash between the two still updates the message.
        shown = current.status == job.status and current.last_update == job.last_update
        late = not shown and _newer(current.last_update, job.last_update)
        change = StatusChange(
            new=job.status,
            old=old,
            reason=_text(job.payload.get("reason")),
            late=late,
            changed_at=job.last_update,
        )
        if not run.progress.get("channel_lost"):
            try:
                await self._reply_in_channel(run, current, change)
            except SlackApiError as error:
                code = _error_code(error)
                if code not in CHANNEL_LOST:
                    raise
                log.info(
                    "booking %s: channel unavailable (%s); telling the booker by DM",
                    job.booking_id, code,
                )  # fmt: skip
                await self._save(run, channel_lost=code)
        if run.progress.get("channel_lost"):
            await self._direct_message(run, current, change)
            return
        if shown and current.message_ts:
            await self._update_message(run, current)

    async def _reply_in_channel(
        self, run: _Run, record: BookingRecord, change: StatusChange
    ) -> None:
        if record.message_ts and not run.progress.get("thread_gone"):
            try:
                await self._post(
                    run, "reply_ts", record.channel_id, status_thread_reply(change),
                    thread_ts=record.message_ts,
                )  # fmt: skip
                return
            except SlackApiError as error:
                if _error_code(error) not in THREAD_GONE:
                    raise
                await self._save(run, thread_gone=True)
        # No confirmation message to reply under: a standalone update that names the booking.
        await self._post(
            run, "post_ts", record.channel_id, _standalone(record, change, channel_lost=False)
        )

    async def _direct_message(self, run: _Run, record: BookingRecord, change: StatusChange) -> None:
        dm = run.progress.get("dm_channel")
        if not dm:
            self._check_lease(run)
            try:
                opened = await self._slack().conversations_open(users=record.user_id)
            except SlackApiError as error:
                if _error_code(error) not in DM_IMPOSSIBLE:
                    raise
                log.warning(
                    "booking %s: cannot DM the booker (%s); update not delivered",
                    record.booking_id, _error_code(error),
                )  # fmt: skip
                await self._save(run, undeliverable=_error_code(error))
                return
            dm = str(opened["channel"]["id"])
            await self._save(run, dm_channel=dm)
        await self._post(run, "dm_ts", dm, _standalone(record, change, channel_lost=True))

    async def _update_message(self, run: _Run, record: BookingRecord) -> None:
        assert record.message_ts is not None
        self._check_lease(run)
        message = booking_message(record)
        try:
            await self._slack().chat_update(
                channel=record.channel_id,
                ts=record.message_ts,
                text=message["text"],
                blocks=message["blocks"],
            )
        except SlackApiError as error:
            if _error_code(error) not in UPDATE_IMPOSSIBLE:
                raise
            log.warning(
                "booking %s: confirmation message cannot be updated (%s)",
                record.booking_id, _error_code(error),
            )  # fmt: skip

    # --- bookings made elsewhere: channel subscriptions -------------------------------

    async def _notify_subscribers(self, run: _Run) -> None:
        job = run.job
        venue = job.venue_name or _text(job.payload.get("venueName"))
        group = job.group_name or _text(job.payload.get("venueGroupName"))
        subscriptions = await self._store.matching_subscriptions(
            venue_name=venue, group_name=group, status=job.status
        )
        channels = sorted({subscription.channel_id for subscription in subscriptions})
        if not channels:
            return
        old = await self._store.status_before(job.booking_id, job.last_update)
        change = StatusChange(
            new=job.status, old=old, reason=_text(job.payload.get("reason")),
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
        for channel in channels:
            key = f"posted:{channel}"
            try:
                await self._post(run, key, channel, notice)
            except SlackApiError as error:
                code = _error_code(error)
                if code not in CHANNEL_LOST:
                    raise
                log.warning("subscription channel %s unavailable (%s); skipped", channel, code)
                await self._save(run, **{key: f"skipped:{code}"})

    # --- posting exactly once ----------------------------------------------------------

    async def _post(
        self,
        run: _Run,
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
        intent = f"sending:{key}"
        if run.progress.get(intent):
            found = await self._find_posted(run, channel, thread_ts, float(run.progress[intent]))
            if found:
                await self._save(run, **{key: found})
                return found
        await self._pace(run, channel)
        self._check_lease(run)
        await self._save(run, **{intent: time.time()})
        spacing = self._pacer.gate(channel)
        if spacing > 0:
            await asyncio.sleep(spacing)
        run.posting = True
        try:
            response = await self._slack().chat_postMessage(
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
            if error.response.status_code == 429 or _error_code(error) == "ratelimited":
                self._pacer.pause(channel, _retry_after(error))
            raise
        finally:
            run.posting = False
            self._pacer.release((run.job.id, channel))
        ts = str(response["ts"])
        await self._save(run, **{key: ts})
        return ts

    async def _pace(self, run: _Run, channel: str) -> None:
        wait = self._pacer.reserve(channel, (run.job.id, channel))
        if wait > self._max_hold:
            # Come back a little early (poll interval) and wait out the rest here.
            raise _Paced(max(MIN_RETRY_DELAY, wait - self._poll - 0.1))
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_requested.wait(), wait)

    async def _find_posted(
        self, run: _Run, channel: str, thread_ts: str | None, intent_at: float
    ) -> str | None:
        """The ts of a message this job already posted (found by its metadata), if any."""
        client = self._slack()
        cursor: str | None = None
        for _ in range(LOOKUP_PAGES):
            self._check_lease(run)
            if thread_ts:
                response = await client.conversations_replies(
                    channel=channel, ts=thread_ts, include_all_metadata=True, limit=200,
                    cursor=cursor,
                )  # fmt: skip
            else:
                response = await client.conversations_history(
                    channel=channel, oldest=f"{intent_at - LOOKUP_WINDOW:.6f}",
                    include_all_metadata=True, limit=200, cursor=cursor,
                )  # fmt: skip
            for message in response.get("messages") or []:
                if _is_from_job(message, run.job):
                    log.info("outbox job %s: found its earlier post; not posting again", run.job.id)
                    return str(message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None


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


def _error_code(error: SlackApiError) -> str | None:
    data = error.response.data
    return str(data.get("error")) if isinstance(data, dict) and data.get("error") else None


def _retry_after(error: SlackApiError) -> float:
    headers = error.response.headers or {}
    raw = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(float(raw), MIN_RETRY_DELAY) if raw is not None else 1.0
    except (TypeError, ValueError):
        return 1.0


def _newer(shown: dt.datetime | None, this: dt.datetime | None) -> bool:
    return shown is not None and (this is None or shown > this)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


__all__ = ["METADATA_EVENT_TYPE", "Notifier"]
