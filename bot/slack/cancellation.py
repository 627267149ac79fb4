"""Cancel from a Slack button: who may, whether the booking still can be, the cancel at
Bookable and the confirmation message updated in place. Slack-facing, used by the Cancel
listener, which only acks, reads the button and says what this returns."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.service.booking import BookingService
from bot.slack.blocks.booking import booking_message, is_cancellable
from bot.slack.blocks.common import simple_message
from bot.slack.errors import error_code
from bot.slack.mrkdwn import clip_line
from bot.slack.users import UserDirectory
from bot.store.records import BookingRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CancelOutcome:
    """`cancelled` on success; otherwise `refusal`, the message to show the clicker."""

    cancelled: BookingRecord | None = None
    refusal: dict[str, Any] | None = None


async def cancel_from_slack(
    booking: BookingService,
    users: UserDirectory,
    client: AsyncWebClient,
    *,
    booking_id: str,
    team_id: str,
    user_id: str,
) -> CancelOutcome:
    record = await booking.get(booking_id)
    if record is None or record.team_id != team_id:
        return CancelOutcome(refusal=simple_message("I don't know this booking any more."))
    if user_id != record.user_id:
        profile = await users.get(user_id, client)
        admin = bool(profile and profile.is_admin)
        if not booking.may_cancel(record, user_id, workspace_admin=admin):
            return CancelOutcome(
                refusal=simple_message(
                    f"Only <@{record.user_id}>, who made this booking, or a workspace admin "
                    "can cancel it."
                )
            )
    if not is_cancellable(record):
        status = clip_line(record.status, 20)
        return CancelOutcome(refusal=simple_message(f"This booking is already {status}."))
    updated = await booking.cancel(record)
    log.info("booking %s cancelled by %s", record.booking_id, user_id)
    await _update_message(client, updated)
    return CancelOutcome(cancelled=updated)


async def _update_message(client: AsyncWebClient, record: BookingRecord) -> None:
    """The confirmation shows the cancel at once; the venue's webhook adds the thread reply."""
    if not record.message_ts:
        return
    try:
        await client.chat_update(
            channel=record.channel_id, ts=record.message_ts, **booking_message(record)
        )
    except SlackApiError as error:
        log.warning("could not update booking message %s: %s", record.booking_id, error_code(error))
