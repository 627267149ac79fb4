"""The sweep: no submission stays `in_progress` forever.

A create whose answer was lost is normally finished by its webhook (`bot.service.adoption`).
When neither arrives within `submission_unconfirmed_after`, the sweep resolves the
submission as "unknown" and queues an "unresolved" outbox job that tells the booker
plainly what to check (`Store.resolve_submission_unknown`: one conditional UPDATE, so
several serving processes sweeping at once resolve each submission once). A submission
never carries a booking id while in progress (whoever learns it finishes the submission
in the same statement), so there is nothing to look up at Bookable first.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.service.periodic import Periodic

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import Store

log = logging.getLogger(__name__)

BATCH = 100


class SubmissionSweep:
    """`sweep_once()` resolves what is due; `start()`/`stop()` run it periodically."""

    def __init__(
        self, store: Store, settings: Settings, *, on_queued: Callable[[], None] | None = None
    ) -> None:
        self._store = store
        self._after = dt.timedelta(seconds=settings.submission_unconfirmed_after)
        self._on_queued = on_queued
        self._periodic = Periodic(
            "submission sweep", settings.submission_sweep_interval, self.sweep_once
        )

    async def sweep_once(self) -> int:
        """Resolve every submission unconfirmed for too long; how many this call did."""
        resolved = 0
        while True:
            stale = await self._store.stale_submissions(older_than=self._after, limit=BATCH)
            mine = [s for s in stale if await self._store.resolve_submission_unknown(s.key)]
            for submission in mine:
                log.warning(
                    "submission %s (user %s): unconfirmed since %s; resolved as unknown, "
                    "the booker is told",
                    submission.key, submission.user_id, submission.created_at.isoformat(),
                )  # fmt: skip
            resolved += len(mine)
            if len(stale) < BATCH:
                break
        if resolved and self._on_queued is not None:
            self._on_queued()
        return resolved

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        """Stops between sweeps (never inside a database call)."""
        await self._periodic.stop()
