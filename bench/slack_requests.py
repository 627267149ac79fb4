"""Lean, pre-signed Slack requests for load: slash commands and `block_actions` clicks.

`SlackDriver` keeps modal state and is made for tests; under load we only need the bytes
Slack would send, built and signed ahead of time so the generator stays cheap.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0PLAYGRND"  # the fake Slack's team
TEAM_DOMAIN = "bookable-playground"
API_APP_ID = "A0BOOKABLE"
COMMAND = "/bookable"
BENCH_USER_PREFIX = "U_BENCH"  # users the bench adds to the fake Slack


BENCH_CHANNEL_PREFIX = "C_BENCH"


def bench_user_ids(count: int) -> list[str]:
    return [f"{BENCH_USER_PREFIX}{index:04d}" for index in range(count)]


def bench_channel_ids(count: int) -> list[str]:
    return [f"{BENCH_CHANNEL_PREFIX}{index:02d}" for index in range(count)]


@dataclass(frozen=True)
class SignedRequest:
    body: bytes
    headers: dict[str, str]


class SlackSigner:
    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    def sign(self, body: bytes, *, timestamp: int | None = None) -> SignedRequest:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signature = self._verifier.generate_signature(timestamp=stamp, body=body)
        if signature is None:  # only for an empty secret, which we never use
            raise ValueError("cannot sign without a signing secret")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        }
        return SignedRequest(body, headers)


def slash_command_body(
    text: str,
    *,
    user_id: str,
    channel_id: str,
    response_url: str,
    trigger_id: str,
    channel_name: str = "general",
) -> bytes:
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": COMMAND,
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    ).encode()


def block_action_body(
    action: dict[str, Any],
    *,
    user_id: str,
    channel_id: str,
    message: dict[str, Any],
    response_url: str,
    trigger_id: str,
) -> bytes:
    """A button click on `message` (as the fake Slack recorded it), as Slack posts it."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": TEAM_ID,
        },
        "api_app_id": API_APP_ID,
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": message.get("ts", ""),
            "channel_id": channel_id,
            "is_ephemeral": bool(message.get("ephemeral_to")),
        },
        "trigger_id": trigger_id,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "general"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }
    if not message.get("ephemeral_to"):  # Slack leaves the message out for ephemeral ones
        payload["message"] = {
            "type": "message",
            "ts": message.get("ts", ""),
            "text": message.get("text", ""),
            "blocks": message.get("blocks") or [],
        }
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


def find_buttons(message: dict[str, Any], action_prefix: str) -> list[dict[str, Any]]:
    """Every button in `message` whose action_id starts with `action_prefix`, as an action."""
    found: list[dict[str, Any]] = []
    for block in message.get("blocks") or []:
        elements = block.get("elements") or []
        accessory = block.get("accessory")
        for element in [*elements, *([accessory] if accessory else [])]:
            if not isinstance(element, dict) or element.get("type") != "button":
                continue
            if str(element.get("action_id", "")).startswith(action_prefix):
                found.append(
                    {
                        "type": "button",
                        "action_id": element["action_id"],
                        "block_id": block.get("block_id", ""),
                        "value": element.get("value", ""),
                        "text": element.get("text", {}),
                    }
                )
    return found
