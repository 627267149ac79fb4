"""Audits of what the app sent to Slack: mention markup it did not mean, payloads Slack
refused, secrets anywhere."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.devtools.fake_slack import FakeSlack, RecordedCall

from .reliable_stack import ReliabilityStack

REJECTED_PAYLOAD_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_arguments",
        "invalid_attachments",
        "invalid_metadata_format",
        "msg_too_long",
        "no_text",
        "invalid_payload",
        "invalid_json",
    }
)
# Keys whose strings Slack never renders as mrkdwn: values read back by the app, and ids.
_UNRENDERED_KEYS = frozenset(
    {"value", "private_metadata", "action_id", "block_id", "callback_id", "external_id",
     "initial_value", "initial_date", "metadata", "url", "channel", "ts", "thread_ts", "user",
     "users", "trigger_id", "view_id", "hash", "type"}
)  # fmt: skip
_ENTITY = re.compile(r"<([^<>]*)>")
_LINKISH = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# The app's own date tokens (`bot.slack.blocks.common.moment`): a time shown in each
# reader's zone. Untrusted text is escaped, so it can never form one.
_APP_DATE = re.compile(r"^!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>|]* UTC$")
_RENDERED_FIELDS = ("text", "blocks", "attachments", "view")
# The app's own links (bot/slack/blocks/booking.py `calendar_line`, reminder's map link):
# fixed labels, and URLs it builds itself (percent-encoded, escaped).
_OWN_LINK = re.compile(
    r"^(?:https?://[^/|<>]+/calendar/[A-Za-z0-9_-]+\.ics\?[^|<>]*\|Add to calendar \(\.ics\)"
    r"|https://calendar\.google\.com/calendar/render\?[^|<>]*\|Google Calendar"
    r"|https://www\.google\.com/maps/search/\?[^|<>]*\|Map)$"
)


def rendered_strings(node: Any) -> list[str]:
    """Strings Slack would render from a message, view or answer (ids and values skipped)."""
    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for key, value in item.items():
                if key not in _UNRENDERED_KEYS:
                    walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)
        elif isinstance(item, str):
            found.append(item)

    walk(node)
    return found


def slack_payloads(calls: list[RecordedCall], app_answers: list[str] | None = None) -> list[Any]:
    """What the app asked Slack to show: Web API and response_url arguments, and its acks."""
    payloads: list[Any] = [
        {field: call.args[field] for field in _RENDERED_FIELDS if field in call.args}
        for call in calls
    ]
    for answer in app_answers or []:
        try:
            payloads.append(json.loads(answer))
        except ValueError:
            payloads.append(answer)
    return payloads


def injected_markup(payloads: list[Any], *, users: set[str], channels: set[str]) -> list[str]:
    """Mentions, broadcasts, user groups and links that the app did not mean to send.

    The app's own `<@USER>` mentions of people in the workspace, `<#CHANNEL>` links and
    date tokens are allowed; everything else in angle brackets came from untrusted text.
    """
    found: list[str] = []
    for payload in payloads:
        for text in rendered_strings(payload):
            for match in _ENTITY.finditer(text):
                if _APP_DATE.match(match.group(1)):
                    continue
                entity = match.group(1).split("|", 1)[0]
                if entity.startswith("@") and entity[1:] in users:
                    continue
                if entity.startswith("#") and entity[1:] in channels:
                    continue
                if _OWN_LINK.match(match.group(1)):
                    continue
                if entity[:1] in ("!", "@", "#") or _LINKISH.match(entity):
                    found.append(match.group(0)[:120])
    return found


def rejected_payloads(calls: list[RecordedCall]) -> list[str]:
    """Calls Slack refused because of what the app sent (Block Kit, text, metadata)."""
    return [
        f"{call.method}: {call.response.get('error')} {call.response.get('errors', '')}"[:500]
        for call in calls
        if not call.response.get("ok", True)
        and call.response.get("error") in REJECTED_PAYLOAD_ERRORS
    ]


def workspace_ids(fake: FakeSlack) -> tuple[set[str], set[str]]:
    """Ids of the fake workspace's people and conversations (what the app may mention)."""
    with fake.lock:
        return set(fake.workspace.users), set(fake.workspace.channels)


def audit(
    stack: ReliabilityStack,
    app_answers: list[str] | None = None,
    calls: list[RecordedCall] | None = None,
) -> None:
    """No secret leaked, no payload refused, no mention markup the app did not mean."""
    leaks = stack.leaks(app_answers)
    assert not leaks, f"secrets leaked: {sorted(set(leaks))}"
    calls = stack.fake.calls if calls is None else calls
    rejected = rejected_payloads(calls)
    assert not rejected, f"Slack refused payloads: {rejected[:10]}"
    users, channels = workspace_ids(stack.fake)
    markup = injected_markup(slack_payloads(calls, app_answers), users=users, channels=channels)
    assert not markup, f"mention/link markup reached Slack: {sorted(set(markup))[:20]}"
