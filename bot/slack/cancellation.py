"""Cancel from a Slack button: who may and whether the booking still can be
(`bot.slack.access`, shared with Change), the cancel at Bookable and the confirmation
message updated in place. Slack-facing, used by the Cancel listener, which only acks,
reads the button and says what this returns."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.service.booking import BookingService
from bot.slack.access import refusal
from bot.slack.blocks.booking import booking_message
from bot.slack.blocks.common import simple_message
from bot.slack.errors import error_code
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
    why_not = await refusal(
        booking, users, client, record, team_id=team_id, user_id=user_id, verb="cancel"
    )
    if why_not is not None:
        return CancelOutcome(refusal=simple_message(why_not))
    assert record is not None  # refusal() answers for a booking we don't know
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
