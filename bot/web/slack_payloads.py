"""Shape check of Slack interactivity payloads, for signed requests only.

Bolt and our listeners index into `actions`, `view`, `user`… assuming Slack's shapes; a
signed payload with the wrong JSON types there (a bug at Slack, or a replayed and edited
request) would make Bolt answer 500. `check_payload` finds those first so they get a 400,
and names the request's kind for the ack metric from the same parse.
Call it only after the signature is verified: unsigned junk is Bolt's to refuse (401).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_sdk.signature import SignatureVerifier

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class _Shape(BaseModel):
    # Strict: a number is not an id. Extra fields are Slack's business.
    model_config = ConfigDict(strict=True, extra="allow")


class _Ref(_Shape):
    id: str | None = None
    team_id: str | None = None
    enterprise_id: str | None = None


class _Action(_Shape):
    action_id: str | None = None
    block_id: str | None = None


class _View(_Shape):
    id: str | None = None
    callback_id: str | None = None
    private_metadata: str | None = None
    hash: str | None = None
    team_id: str | None = None
    app_installed_team_id: str | None = None
    state: dict[str, Any] | None = None


class _Interaction(_Shape):
    type: str
    user: _Ref | None = None
    team: _Ref | None = None
    enterprise: _Ref | None = None
    channel: _Ref | None = None
    container: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    view: _View | None = None
    actions: list[_Action] | None = None
    response_url: str | None = None
    trigger_id: str | None = None
    callback_id: str | None = None
    action_id: str | None = None
    block_id: str | None = None
    value: str | None = None


def is_signed(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """Slack's signature check (with its 5-minute replay window)."""
    try:
        return SignatureVerifier(secret).is_valid_request(body, headers)
    except ValueError:  # a timestamp that is not a number, a body that is not UTF-8
        return False


@dataclass(frozen=True, slots=True)
class PayloadCheck:
    kind: str  # for the ack metric: command, block_actions, view_submission, options, event, other
    problem: str | None = None  # why the payload can't be Slack's; None if it can


# Interactivity payload types -> ack metric kind (the rest is "other").
_KINDS = {
    "block_actions": "block_actions",
    "view_submission": "view_submission",
    "block_suggestion": "options",
}


def check_payload(body: bytes, content_type: str) -> PayloadCheck:
    """What kind of Slack request this is and, for an interactivity payload, why it can't
    be Slack's (commands and events are left to Bolt). One parse serves both."""
    if content_type.startswith("application/json"):
        return PayloadCheck("event")
    if not content_type.startswith(FORM_CONTENT_TYPE):
        return PayloadCheck("other")
    try:
        fields = parse_qs(body.decode("utf-8"))
    except UnicodeDecodeError:
        return PayloadCheck("other", "body is not UTF-8")
    if "payload" not in fields:
        return PayloadCheck("command" if "command" in fields else "other")
    try:
        payload = json.loads(fields["payload"][0])
    except ValueError:
        return PayloadCheck("other", "payload is not JSON")
    if not isinstance(payload, dict):
        return PayloadCheck("other", "payload is not an object")
    declared = payload.get("type")
    kind = _KINDS.get(declared, "other") if isinstance(declared, str) else "other"
    try:
        _Interaction.model_validate(payload)
    except ValidationError as error:
        where = {".".join(str(part) for part in e["loc"]) for e in error.errors()}
        return PayloadCheck(kind, "unexpected types at " + ", ".join(sorted(where)[:5]))
    return PayloadCheck(kind)
