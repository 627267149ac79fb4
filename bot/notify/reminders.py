"""`ReminderRunner`: sends the booking reminders that are due, as DMs to the bookers (and
to everyone in for a team meal's booking).

Each pass claims due reminders with a lease (`Store.claim_due_reminders`), so several
serving processes never send the same one; a process that dies mid-send leaves a lease that
runs out, and another takes the reminder over. Before sending it looks at the booking as
stored now (`Reminders.verdict`): cancelled, declined or already started → dropped; moved
(a change whose hook was missed) → rescheduled for its new time. A Slack failure that may
pass is retried a little later, up to `MAX_ATTEMPTS`; one that cannot (the booker can't get
DMs, the token is revoked) gives up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError

from bot.service.calendar import map_link
from bot.service.periodic import Periodic
from bot.service.reminders import booking_start
from bot.slack.blocks.reminder import reminder_message
from bot.slack.errors import DM_IMPOSSIBLE, describe, error_code, is_permanent
from bot.slack.users import UserDirectory
from bot.store.reminders import FAILED, SENT

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.config import Settings
    from bot.service.calendar import Calendar
    from bot.service.reminders import Reminders
    from bot.store import BookingRecord, Reminder, Store

log = logging.getLogger(__name__)

BATCH = 50
LEASE_SECONDS = 60.0
RETRY_AFTER = dt.timedelta(minutes=1)
MAX_ATTEMPTS = 5


class ReminderRunner:
    """`run_once()` sends what is due now; `start()`/`stop()` run it periodically."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        reminders: Reminders,
        slack: Callable[[], AsyncWebClient] | AsyncWebClient,
        calendar: Calendar | None = None,
        worker_id: str | None = None,
        client_for: Callable[[str | None], Awaitable[AsyncWebClient]] | None = None,
    ) -> None:
        """`client_for(team_id)` (OAuth mode: the notifier's) posts with the booking's
        workspace token; without it, `slack`'s one token."""
        self._store = store
        self._reminders = reminders
        self._slack = slack if callable(slack) else (lambda: slack)
        self._client_for = client_for
        self._calendar = calendar
        self._users: UserDirectory | None = None
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pass = asyncio.Lock()  # one pass at a time in this process
        self._periodic = Periodic("reminders", settings.reminder_poll_interval, self.run_once)

    async def run_once(self) -> Counter[str]:
        """Send every reminder due now; counts by outcome (sent, dropped, moved, retry,
        failed)."""
        outcomes: Counter[str] = Counter()
        async with self._pass:
            while True:
                claimed = await self._store.claim_due_reminders(
                    self.worker_id,
                    now=self._reminders.now(),
                    limit=BATCH,
                    lease_seconds=LEASE_SECONDS,
                )
                for reminder in claimed:
                    outcomes[await self._handle(reminder)] += 1
                if len(claimed) < BATCH:
                    return outcomes

    async def next_due(self) -> dt.datetime | None:
        return await self._store.next_reminder_due()

    async def _handle(self, reminder: Reminder) -> str:
        record = await self._store.get_booking(reminder.booking_id)
        verdict = self._reminders.verdict(reminder, record)
        if verdict == "drop":
            await self._store.drop_reminder(reminder.booking_id)
            log.info("reminder for booking %s dropped (no longer due)", reminder.booking_id)
            return "dropped"
        assert record is not None
        if verdict == "moved":
            await self._reminders.reschedule(record)
            return "moved"
        try:
            await self._send(record)
        except Exception as error:
            return await self._failed(reminder, error)
        await self._store.finish_reminder(reminder, self.worker_id, state=SENT)
        log.info("reminder sent for booking %s", record.booking_id)
        return "sent"

    async def _failed(self, reminder: Reminder, error: Exception) -> str:
        reason = describe(error) if isinstance(error, SlackApiError) else type(error).__name__
        gone = isinstance(error, SlackApiError) and error_code(error) in DM_IMPOSSIBLE
        if gone or is_permanent(error) or reminder.attempts >= MAX_ATTEMPTS:
            log.warning("reminder for booking %s given up: %s", reminder.booking_id, reason)
            await self._store.finish_reminder(reminder, self.worker_id, state=FAILED)
            return "failed"
        log.info("reminder for booking %s: retrying later (%s)", reminder.booking_id, reason)
        retry_at = self._reminders.now() + RETRY_AFTER
        await self._store.release_reminder(
            reminder, self.worker_id, retry_at=retry_at, error=reason
        )
        return "retry"

    async def _send(self, record: BookingRecord) -> None:
        """The booker's reminder (its failure is retried), then one to each guest of a team
        meal booked by them (best effort: a guest who can't get DMs stops nobody)."""
        client = await self._client_for(record.team_id) if self._client_for else self._slack()
        starts_at = booking_start(record, self._reminders.zone)
        assert starts_at is not None  # the verdict checked it
        address = await self._calendar.address(record) if self._calendar else None
        links = await self._calendar.links(record) if self._calendar else None

        async def remind(user_id: str, guest_of: str | None = None) -> None:
            message = reminder_message(
                record,
                starts_at=starts_at,
                address=address,
                map_url=map_link(address) if address else None,
                calendar=links,
                user_zone=await self._user_zone(client, user_id),
                guest_of=guest_of,
            )
            opened = await client.conversations_open(users=user_id)
            await client.chat_postMessage(
                channel=str(opened["channel"]["id"]),
                text=message["text"],
                blocks=message["blocks"],
            )

        await remind(record.user_id)
        for guest in await self._guests(record):
            try:
                await remind(guest, guest_of=record.user_id)
            except Exception as error:
                reason = describe(error) if isinstance(error, SlackApiError) else repr(error)
                log.info("reminder for booking %s: guest %s not told (%s)",
                         record.booking_id, guest, reason)  # fmt: skip

    async def _guests(self, record: BookingRecord) -> list[str]:
        """Everyone in for the team meal this booking is for, but the booker (as they are
        now: who left gets no reminder, who joined does)."""
        plan_id = await self._store.plan_for_booking(record.booking_id)
        plan = await self._store.get_plan(plan_id) if plan_id else None
        if plan is None or plan.booked_position is None:
            return []
        return [u for u in plan.voters(plan.booked_position) if u != record.user_id]

    async def _user_zone(self, client: AsyncWebClient, user_id: str) -> ZoneInfo | None:
        """The booker's time zone from users.info; None if Slack can't tell us now."""
        if self._users is None:
            self._users = UserDirectory(client)
        user = await self._users.get(user_id, client)
        if user is None or not user.tz:
            return None
        try:
            return ZoneInfo(user.tz)
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
