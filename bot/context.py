"""Everything a request handler or worker needs, built once per process."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.bookable.client import BookableClient
from bot.config import Settings
from bot.logging_setup import register_secrets
from bot.service.accounts import BookableAccounts
from bot.service.booking import BookingService
from bot.service.calendar import Calendar
from bot.service.plans import PlanService
from bot.service.reminders import Clock, Reminders
from bot.slack.retries import slack_retry_handlers
from bot.store import Store
from bot.store.core import utc_now


def slack_client(
    settings: Settings, *, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """A Web API client for `SLACK_API_URL` (Slack, GovSlack, a proxy or the fake).

    Pass one `session` per process: without it slack_sdk opens a new connection per call.
    """
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=str(settings.slack_api_url),
        timeout=10,
        retry_handlers=slack_retry_handlers(),
        session=session,
    )


@dataclass
class AppContext:
    settings: Settings
    bookable: BookableClient
    store: Store
    slack: AsyncWebClient
    booking: BookingService
    http_session: aiohttp.ClientSession
    calendar: Calendar  # "Add to calendar" links and entries
    # Each workspace's own Bookable account, if it connected one (bot.service.accounts).
    accounts: BookableAccounts = field(init=False)
    # Team meal plans; set once the notifier (which posts for each workspace) exists.
    plans: PlanService = field(init=False)
    # Closes what `create` opened, newest first.
    _resources: contextlib.AsyncExitStack = field(
        default_factory=contextlib.AsyncExitStack, repr=False
    )

    @classmethod
    async def create(
        cls, settings: Settings, *, local_base: str | None = None, clock: Clock = utc_now
    ) -> AppContext:
        """`clock`: the time reminders and calendar links go by (the playground moves it)."""
        register_secrets(
            secret.get_secret_value() if secret else None
            for secret in (
                settings.slack_bot_token,
                settings.slack_client_secret,
                settings.slack_signing_secret,
                settings.slack_app_token,
                settings.bookable_client_secret,
                settings.bookable_webhook_secret,
                settings.bot_encryption_key,
                settings.calendar_signing_key,
            )
        )
        key = settings.bot_encryption_key
        resources = contextlib.AsyncExitStack()
        try:  # a step that fails closes what the steps before it opened
            store = await Store.connect(
                settings.database_url, encryption_key=key.get_secret_value() if key else None
            )
            resources.push_async_callback(store.close)
            bookable = BookableClient.from_settings(
                settings,
                api_url=settings.api_base_url(local_base),
                auth_url=settings.auth_url(local_base),
            )
            resources.push_async_callback(bookable.aclose)
            reminders = Reminders(store, settings, clock=clock)
            booking = BookingService(bookable, store, settings, reminders=reminders)
            calendar = Calendar(
                settings,
                base_url=settings.public_base(local_base),
                venues=booking.venues,
                clock=clock,
            )
            session = aiohttp.ClientSession()
            resources.push_async_callback(session.close)
            slack = slack_client(settings, session=session)
        except BaseException:
            await resources.aclose()
            raise
        context = cls(settings, bookable, store, slack, booking, session, calendar, resources)
        context.accounts = BookableAccounts(bookable, store)
        return context

    async def aclose(self) -> None:
        await self._resources.aclose()
