"""`response_url` posts: follow-ups to slash commands and block actions."""

from __future__ import annotations

from typing import Any

from bot.devtools.fake_slack.messages import SlackError
from bot.devtools.fake_slack.webapi import flag, message_content
from bot.devtools.fake_slack.workspace import Workspace

# HTTP statuses Slack answers a bad response_url post with
ERROR_STATUS = {"no_service": 404, "used_url": 404, "expired_url": 404}


def post_to_response_url(ws: Workspace, token: str, payload: Any) -> dict[str, Any]:
    record = ws.use_response_url(token)
    if not isinstance(payload, dict):
        raise SlackError("invalid_payload")
    original = None
    if record.message_ts:
        original = ws.messages.get(record.channel_id, record.message_ts)
    if flag(payload, "delete_original"):
        if original is None:
            raise SlackError("message_not_found")
        ws.messages.delete(record.channel_id, original.ts)
        return {}
    content, warnings = message_content(payload)
    if flag(payload, "replace_original") and original is None and record.message_ts is None:
        record.ack_replaced = True  # the command's ack is still on its way to the client
    if flag(payload, "replace_original") and original is not None:
        content.setdefault("blocks", None)  # the whole message is replaced
        ws.messages.update(record.channel_id, original.ts, changes=content)
        return {"warnings": warnings} if warnings else {}
    in_channel = payload.get("response_type") == "in_channel"
    posted = ws.messages.post(
        record.channel_id,
        **content,
        thread_ts=payload.get("thread_ts") or None,
        ephemeral_to=None if in_channel else record.user_id,
    )
    if flag(payload, "replace_original") and record.message_ts is None:
        record.message_ts = posted.ts  # what a later replace_original replaces, as in Slack
    return {"warnings": warnings} if warnings else {}
