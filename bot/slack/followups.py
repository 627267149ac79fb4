"""`FollowUps`: the bounded queue between a listener's ack and the work that follows it.

Listeners ack Slack and hand everything else (Bookable calls, Slack Web API calls, Block
Kit building, database writes) to `submit`, which never waits: the work goes on a queue
of at most `size` jobs that `workers` tasks drain. When the queue is full `submit` says
so, before the ack, so the listener can answer "busy" instead of taking work it cannot
do in time. Work is never dropped once taken: stopping drains the queue first.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import Counter, Gauge

log = logging.getLogger(__name__)

BUSY_TEXT = "Bookable for Slack is busy; try again in a moment."

Job = Callable[[], Awaitable[None]]

SHED_TOTAL = Counter(
    "bookable_followups_shed_total",
    "Slack interactions refused with the busy message because the follow-up queue was full",
)
QUEUE_DEPTH = Gauge(
    "bookable_followup_queue_depth", "Follow-up jobs waiting for a worker (this process)"
)

# Notices (busy, or an apology for a failed listener) go out through response_url outside
# the queue (it may be full); this many may be in flight at once, past that one is only
# logged.
MAX_NOTICES = 100


class FollowUps:
    def __init__(self, *, workers: int, size: int) -> None:
        self.workers = workers
        self.size = size
        self.shed = 0  # interactions refused as busy, this process
        self._queue: asyncio.Queue[tuple[str, Job, contextvars.Context]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._notices: set[asyncio.Task[None]] = set()

    @property
    def depth(self) -> int:
        return self._queue.qsize() if self._queue is not None else 0

    def start(self) -> None:
        """Start the workers (in the serving event loop)."""
        self._queue = asyncio.Queue(maxsize=self.size)
        self._tasks = [
            asyncio.create_task(self._work(), name=f"followup-{n}") for n in range(self.workers)
        ]

    def submit(self, what: str, job: Job) -> bool:
        """Queue `job` (named `what` in logs); False, counted as shed, when the queue is
        full. Call it before the ack: taken work is always done."""
        if self._queue is None:
            raise RuntimeError("FollowUps.start() was not called")
        try:
            # The job runs in the request's context (its correlation id, for the logs and
            # Bookable's X-Correlation-ID), not in the long-lived worker's.
            self._queue.put_nowait((what, job, contextvars.copy_context()))
        except asyncio.QueueFull:
            self.shed += 1
            SHED_TOTAL.inc()
            log.warning("busy: %s refused (%d follow-ups queued)", what, self.size)
            return False
        QUEUE_DEPTH.inc()
        return True

    def notify(self, what: str, send: Job) -> None:
        """Send a notice without holding up the ack; bounded, never queued."""
        if len(self._notices) >= MAX_NOTICES:
            log.warning("notice for %s not sent: too many in flight", what)
            return
        task = asyncio.create_task(self._run(what, send))
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def stop(self, *, drain_timeout: float = 10.0) -> None:
        """Finish what was taken (up to `drain_timeout` seconds), then stop the workers."""
        if self._queue is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), drain_timeout)
            if self._queue.qsize():
                log.warning("stopping with %d follow-ups not done", self._queue.qsize())
        for task in [*self._tasks, *self._notices]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._notices, return_exceptions=True)
        self._tasks = []

    async def _work(self) -> None:
        assert self._queue is not None
        while True:
            what, job, context = await self._queue.get()
            QUEUE_DEPTH.dec()
            try:
                await asyncio.create_task(self._run(what, job), context=context)
            finally:
                self._queue.task_done()

    @staticmethod
    async def _run(what: str, job: Job) -> None:
        try:
            await job()
        except Exception:  # jobs report their own failures; this is a bug in one
            log.exception("follow-up %s failed", what)
