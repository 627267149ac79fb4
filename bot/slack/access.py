"""Who may act on a booking from Slack: the one rule for Cancel and Change (and any surface
that offers them). Same workspace, the booker or an admin (`BookingService.may_cancel`),
and the booking still open."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.service.booking import BookingService
from bot.slack.blocks.booking import is_cancellable
from bot.slack.mrkdwn import clip, clip_line
from bot.slack.users import UserDirectory
from bot.store.records import BookingRecord


async def refusal(
    booking: BookingService,
    users: UserDirectory,
    client: AsyncWebClient,
    record: BookingRecord | None,
    *,
    team_id: str,
    user_id: str,
    verb: str,
) -> str | None:
    """None when `user_id` may `verb` ("cancel", "change") the booking; else why not
    (escaped mrkdwn)."""
    if record is None or record.team_id != team_id:
        return "I don't know this booking any more."
    if user_id != record.user_id:
        profile = await users.get(user_id, client)
        admin = bool(profile and profile.is_admin)
        if not booking.may_cancel(record, user_id, workspace_admin=admin):
            return (
                f"Only <@{clip(record.user_id, 40)}>, who made this booking, or a workspace "
                f"admin can {verb} it."
            )
    if not is_cancellable(record):
        return f"This booking is already {clip_line(record.status, 20)}."
    return None
