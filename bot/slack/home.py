"""Publishing a user's App Home tab (`views.publish`): when they open it, when they page
through it, and whenever one of their bookings changes (the notifier and Cancel call
`booking_changed`). A Home tab that fails to publish is logged, never raised: it is a
view of the store, and the next change or visit publishes it again."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks.account import account_section
from bot.slack.blocks.home import PAST_SHOWN, UPCOMING_PAGE, home_view
from bot.slack.errors import error_code
from bot.slack.ids import HomeRef, StaleReference
from bot.slack.statuses import FINAL_STATUSES
from bot.slack.users import UserDirectory, today_in
from bot.store import Store

if TYPE_CHECKING:
    from bot.service.accounts import BookableAccounts

log = logging.getLogger(__name__)


class HomePublisher:
    def __init__(
        self,
        store: Store,
        slack: AsyncWebClient,
        users: UserDirectory,
        *,
        accounts: BookableAccounts | None = None,
        admin_ids: frozenset[str] = frozenset(),
    ) -> None:
        """`accounts` (OAuth mode) adds the workspace's Bookable account section, with its
        Connect button for admins (workspace admins or `admin_ids`)."""
        self.store = store
        self.slack = slack
        self.users = users
        self.accounts = accounts
        self.admin_ids = admin_ids
        # OAuth mode: the client with a workspace's own token, for publishing outside a
        # request (after a booking changes); set by the app to the notifier's.
        self.client_for: Callable[[str | None], Awaitable[AsyncWebClient]] | None = None

    async def publish(
        self,
        team_id: str,
        user_id: str,
        ref: HomeRef = HomeRef(),
        *,
        notice: str | None = None,
        client: AsyncWebClient | None = None,
    ) -> bool:
        """Build the Home tab from the store and publish it; whether Slack took it.
        `notice` is escaped text for the top (e.g. what a Cancel click did)."""
        slack = client or self.slack
        try:
            profile = await self.users.get(user_id, slack)
            bookings = await self.store.home_bookings(
                team_id,
                user_id,
                today=today_in(profile.tz if profile else None),
                closed_statuses=FINAL_STATUSES,
                offset=(ref.page - 1) * UPCOMING_PAGE,
                limit=UPCOMING_PAGE,
                past_limit=PAST_SHOWN if ref.past else 0,
            )
            subscriptions = await self.store.subscriptions_created_by(team_id, user_id)
            account = None
            if self.accounts is not None:
                admin = bool(profile and profile.is_admin) or user_id in self.admin_ids
                own = await self.accounts.has_own(team_id)
                account = account_section(connected=own, can_connect=admin)
            view = home_view(bookings, subscriptions, ref, notice=notice, account=account)
            await slack.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            log.warning("Home tab of %s not published: %s", user_id, error_code(error))
            return False
        except Exception:
            log.exception("Home tab of %s not published", user_id)
            return False
        return True

    async def booking_changed(self, booking_id: str) -> None:
        """Republish the booker's Home tab (bookings made elsewhere have none here)."""
        try:
            record = await self.store.get_booking(booking_id)
        except Exception:
            log.exception("Home tab for booking %s not published", booking_id)
            return
        if record is None:
            return
        client = None
        if self.client_for is not None:
            try:
                client = await self.client_for(record.team_id)
            except Exception:  # e.g. that workspace uninstalled the app
                log.info("Home tab for booking %s not published: no workspace token", booking_id)
                return
        await self.publish(record.team_id, record.user_id, client=client)


def home_ref_of(body: dict[str, Any]) -> HomeRef | None:
    """For a click on the Home tab, how it was paged (kept in its private_metadata);
    None for any other surface."""
    view = body.get("view")
    if not isinstance(view, dict) or view.get("type") != "home":
        return None
    try:
        return HomeRef.decode(view.get("private_metadata") or "{}")
    except StaleReference:
        return HomeRef()
