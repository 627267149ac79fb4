"""Outbox worker: turns stored Bookable events into Slack messages, in the serving process.

An asyncio task claims leased jobs from the store (one per booking at a time, oldest
first), woken by the webhook endpoint or a short poll, and runs each as a task with a
bounded number in flight; `bot.notify.delivery` does the Slack side exactly once.

Failures never drop a job silently. Slack's errors are classified once
(`bot.slack.errors`): a transient one (429, 5xx, timeouts, network errors) is retried (429
after `Retry-After`, the rest with exponential backoff and jitter up to
`notifier_max_backoff`) until the job has failed `notifier_max_attempts` times or is older
than `notifier_max_age`; a permanent one that delivery has no fallback for (or any error
past those bounds) makes the job a dead letter (`state="dead"`, with its reason). A dead
letter never holds up later updates of its booking; `bookable-bot outbox retry` revives it.
`chat.postMessage` is paced per channel (`bot.notify.pacing`); a job whose slot is far
off goes back to the outbox with that wait as delay, so other channels are not held up.
Pending work lives in the database: after a crash, leases expire and jobs are reclaimed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.notify.delivery import (
    METADATA_EVENT_TYPE,
    HandBack,
    JobRun,
    LeaseLost,
    Paced,
    StatusDelivery,
    Undeliverable,
)
from bot.notify.pacing import NotifierPacing
from bot.observability.correlation import new_correlation_id, set_correlation_id
from bot.observability.slack_client import SlackCallObserver
from bot.service.reminders import Reminders
from bot.slack.errors import describe, is_network_error, is_permanent, rate_limited, retry_after
from bot.slack.installations import NotInstalled, WorkspaceTokens
from bot.slack.retries import slack_retry_handlers

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.service.calendar import Calendar
    from bot.service.venues import VenueDirectory
    from bot.store import OutboxJob, Store

log = logging.getLogger(__name__)

BACKOFF_BASE = 0.5
MIN_RETRY_DELAY = 0.05
MAX_TEAM_CLIENTS = 1000
CLAIM_COALESCE = 0.02  # gather finished jobs for a moment so one claim refills several slots


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
        venues: VenueDirectory | None = None,
        on_booking_changed: Callable[[str], Awaitable[None]] | None = None,
        reminders: Reminders | None = None,
        calendar: Calendar | None = None,
        tokens: WorkspaceTokens | None = None,
    ) -> None:
        """`slack` only lends its token and base URL: the notifier uses its own client
        without slack_sdk's retry handlers, because retries go through the outbox.
        `venues` names the venue of bookings made elsewhere (webhooks carry no names).
        `on_booking_changed(booking_id)` runs after each delivered confirmation or status
        change (the booker's Home tab is republished); it must not raise.

        `reminders` is kept in step with each booking's status, date and time (one on the
        store and settings if not given); `calendar` adds "Add to calendar" links.

        `tokens` (OAuth mode) gives each workspace's bot token; without it every post
        uses the one token."""
        if slack_timeout > lease_seconds / 2:
            raise ValueError("slack_timeout must be at most half of lease_seconds")
        self._store = store
        self._settings = settings
        self._source_client = slack
        self._on_booking_changed = on_booking_changed
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._concurrency = concurrency
        self._lease = lease_seconds
        self._poll = poll_interval
        self._slack_timeout = slack_timeout
        self._max_backoff = settings.notifier_max_backoff
        self._max_failures = settings.notifier_max_attempts
        self._max_age = dt.timedelta(seconds=settings.notifier_max_age)
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._runner: asyncio.Task[None] | None = None
        self._waiting = False  # in the idle wait between claims
        self._session: aiohttp.ClientSession | None = None
        self._client: AsyncWebClient | None = None
        self._tokens = tokens if tokens is not None and tokens.many else None
        # by (token, retrying)
        self._team_clients: dict[tuple[str | None, bool], AsyncWebClient] = {}
        self._delivery = StatusDelivery(
            store,
            self.worker_id,
            slack=self.client_for,
            pacer=NotifierPacing(
                settings.notifier_channel_rate,
                settings.notifier_channel_burst,
                # Several processes share a Postgres database; SQLite serves one.
                shared=store if store.dialect == "postgresql" else None,
            ),
            slack_timeout=slack_timeout,
            max_hold=max_hold,
            come_back_early=poll_interval + 0.1,
            stopping=self._stopping,
            venues=venues,
            unconfirmed_after=dt.timedelta(seconds=settings.submission_unconfirmed_after),
            reminders=reminders or Reminders(store, settings),
            calendar=calendar,
        )

    # --- lifecycle ---------------------------------------------------------------------

    def wake(self) -> None:
        """New work was stored: look now instead of at the next poll."""
        self._wakeup.set()

    @property
    def running(self) -> bool:
        return self._runner is not None and not self._runner.done()

    @property
    def idle(self) -> bool:
        """Waiting for a wake-up or the next poll, with no job in flight."""
        return self._waiting and not self._in_flight and not self._wakeup.is_set()

    async def start(self) -> None:
        if self._runner is None:
            self._stopping.clear()
            self._runner = asyncio.create_task(self._run(), name=f"notifier:{self.worker_id}")
            log.info("notifier %s started", self.worker_id)

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming; running jobs finish the Slack call in flight, then release.

        Jobs are not cancelled in the middle of a database call (that can leave a SQLite
        connection holding its lock): only after `grace` (default: the Slack timeout plus
        a little) are stragglers cancelled, and their leases then simply expire.
        """
        self._stopping.set()
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
            self._team_clients.clear()
        log.info("notifier %s stopped", self.worker_id)

    async def run_once(self) -> int:
        """Claim one batch and process it to the end; the number of jobs claimed."""
        jobs = await self._claim(self._concurrency)
        await asyncio.gather(*(self._process(job) for job in jobs))
        return len(jobs)

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
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
                continue  # there may be more: claim again as soon as slots free up
            await self._idle(self._poll)
            if self._in_flight:
                await asyncio.sleep(CLAIM_COALESCE)

    async def _idle(self, seconds: float) -> None:
        self._waiting = True
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), seconds)
        finally:
            self._waiting = False

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

    async def client_for(self, team_id: str | None, *, retrying: bool = False) -> AsyncWebClient:
        """The client for posting in `team_id`: in OAuth mode with that workspace's token
        (`Undeliverable` when the app is no longer installed there). `retrying`: with
        slack_sdk's retry handlers, for work that has no outbox job to retry it (team meal
        notes and DMs, reminders); the outbox's own posts never retry inline."""
        client = self._slack()
        if self._tokens is None:
            token = client.token
        else:
            try:
                token = await self._tokens.bot_token(team_id)
            except NotInstalled as why:
                raise Undeliverable(f"{why} (uninstalled)") from None
        if not retrying and self._tokens is None:
            return client
        if len(self._team_clients) > MAX_TEAM_CLIENTS:
            self._team_clients.clear()  # tokens rotate: forget old ones now and then
        key = (token, retrying)
        found = self._team_clients.get(key)
        if found is None:
            found = AsyncWebClient(
                token=token,
                base_url=client.base_url,
                timeout=client.timeout,
                session=self._session,
                retry_handlers=slack_retry_handlers() if retrying else [SlackCallObserver()],
            )
            self._team_clients[key] = found
        return found

    async def retrying_client_for(self, team_id: str | None) -> AsyncWebClient:
        return await self.client_for(team_id, retrying=True)

    def _slack(self) -> AsyncWebClient:
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
                retry_handlers=[SlackCallObserver()],  # counts calls; never retries
            )
        return self._client

    # --- one job -----------------------------------------------------------------------

    async def _process(self, job: OutboxJob) -> None:
        set_correlation_id(new_correlation_id())  # this job's logs and Bookable calls (own task)
        # The deadline is measured from after the claim: conservative against the store.
        run = JobRun.start(job, asyncio.get_running_loop().time() + self._lease - 1.0)
        try:
            await self._delivery.deliver(run)
        except Paced as paced:
            await self._release(run, paced.delay, str(paced))
        except HandBack as why:
            await self._release(run, 0.0, str(why))
        except LeaseLost:
            log.warning("outbox job %s: lease lost to another worker", job.id)
        except Undeliverable as why:
            await self._give_up(run, str(why))
        except asyncio.CancelledError:
            # Last resort (see stop). A post cut off mid-call may still land: its retry
            # waits as long as a timeout would, then looks for it by metadata.
            if run.posting:
                with contextlib.suppress(Exception):
                    await self._release(
                        run, self._slack_timeout, "worker stopped mid-post", ambiguous=True
                    )
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
            if self._on_booking_changed is not None and job.kind in ("confirm", "status", "change"):
                await self._on_booking_changed(job.booking_id)

    async def _release(
        self, run: JobRun, delay: float, why: str, *, ambiguous: bool = False, **extra: object
    ) -> None:
        try:
            await self._delivery.save(run, **run.release_record(ambiguous=ambiguous), **extra)
            released = await self._store.reschedule_outbox(
                run.job.id, self.worker_id, delay=delay, error=why
            )
            if not released:
                raise LeaseLost
        except LeaseLost:
            log.warning("outbox job %s: lease lost to another worker", run.job.id)
        except Exception:
            log.exception("outbox job %s: could not release; its lease will expire", run.job.id)

    async def _retry_later(self, run: JobRun, error: Exception) -> None:
        """Retry a transient failure later, within the bounds; otherwise a dead letter."""
        failures = int(run.progress.get("failures", 0)) + 1
        reason = describe(error)
        ambiguous = run.posting and not _definitely_not_posted(error)
        if isinstance(error, SlackApiError) or is_network_error(error):
            log.warning(
                "outbox job %s (booking %s): %s (failure %d)",
                run.job.id, run.job.booking_id, reason, failures,
            )  # fmt: skip
        else:
            log.error(
                "outbox job %s (booking %s) failed (failure %d)",
                run.job.id, run.job.booking_id, failures, exc_info=error,
            )  # fmt: skip
        if is_permanent(error):
            await self._give_up(run, f"{reason} (permanent)", ambiguous=ambiguous)
            return
        if failures >= self._max_failures:
            why = f"{reason}; gave up after {failures} failures"
            await self._give_up(run, why, ambiguous=ambiguous, failures=failures)
            return
        why = (
            f"{reason}; still failing after NOTIFIER_MAX_AGE ({self._max_age.total_seconds():g} s)"
        )
        if await self._give_up(run, why, ambiguous=ambiguous, failures=failures, old_only=True):
            return
        delay = self._retry_delay(error, failures)
        await self._release(run, delay, reason, ambiguous=ambiguous, failures=failures)

    async def _give_up(
        self,
        run: JobRun,
        reason: str,
        *,
        ambiguous: bool = False,
        old_only: bool = False,
        **extra: object,
    ) -> bool:
        """Make the job a dead letter (with `old_only`, only past the maximum age); whether
        it is one now. Its progress is saved first: a later `outbox retry` must not post
        twice what this attempt may have posted."""
        try:
            await self._delivery.save(run, **run.release_record(ambiguous=ambiguous), **extra)
            killed = await self._store.kill_outbox(
                run.job.id, self.worker_id, reason, older_than=self._max_age if old_only else None
            )
        except LeaseLost:
            log.warning("outbox job %s: lease lost to another worker", run.job.id)
            return True
        except Exception:
            log.exception("outbox job %s: could not give up; its lease will expire", run.job.id)
            return True
        if killed:
            log.error(
                "outbox job %s (booking %s) is a dead letter: %s",
                run.job.id, run.job.booking_id, reason,
            )  # fmt: skip
        return killed

    def _retry_delay(self, error: Exception, failures: int) -> float:
        if isinstance(error, SlackApiError) and rate_limited(error):
            return retry_after(error)
        ceiling = min(self._max_backoff, BACKOFF_BASE * 2 ** min(failures - 1, 30))
        delay = max(MIN_RETRY_DELAY, ceiling * random.uniform(0.5, 1.0))
        if isinstance(error, TimeoutError):
            # Slack may still be handling the timed-out post: let it land first, so the
            # metadata lookup on retry can see it.
            delay = max(delay, self._slack_timeout)
        return delay


def _definitely_not_posted(error: Exception) -> bool:
    """Slack answered with an error of its own (not a 5xx): nothing was posted."""
    return isinstance(error, SlackApiError) and error.response.status_code < 500


__all__ = ["METADATA_EVENT_TYPE", "Notifier"]
