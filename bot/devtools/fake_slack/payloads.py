"""Interaction payloads shaped exactly as Slack sends them, and Slack's client-side checks.

Pure functions: the driver adds transport, signing and the fake's state.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from typing import Any

from bot.devtools.fake_slack.directory import APP_ID, TEAM_DOMAIN, User
from bot.devtools.fake_slack.elements import STATE_KEYS, Located, find_option, state_values

# Slack still sends the deprecated verification token; Bolt ignores it.
VERIFICATION_TOKEN = "fakeVerificationToken"
REQUIRED_FIELD = "Please complete this required field."
# fields the fake adds to views and messages for inspection; Slack never sends them
_INSPECTION_FIELDS = ("user_id", "is_open", "channel", "ephemeral_to")


def slack_escape(text: str) -> str:
    """Slack entity-encodes these three in slash command text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def as_sent(obj: dict[str, Any]) -> dict[str, Any]:
    """A view or message without the fake's inspection-only fields."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if k not in _INSPECTION_FIELDS}


def interaction_base(kind: str, user: User, team_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": team_id},
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def normalise_choice(
    located: Located, raw: Any, suggested: list[dict[str, Any]] | None = None
) -> tuple[str, Any]:
    """(state key, value in Slack's shape) for what the user picked or typed."""
    element = located.element
    key = STATE_KEYS.get(located.type, "selected_option" if located.type == "overflow" else "value")
    if key == "selected_option":
        return key, _option(element, raw, suggested)
    if key == "selected_options":
        choices = raw if isinstance(raw, list | tuple) else [raw]
        return key, [_option(element, choice, suggested) for choice in choices]
    if key == "selected_date":
        text = raw.isoformat() if isinstance(raw, dt.date) else str(raw)
        dt.date.fromisoformat(text)  # Slack's date picker only produces valid dates
        return key, text
    if key == "value":
        return key, None if raw is None else str(raw)
    return key, raw


def _option(
    element: dict[str, Any], raw: Any, suggested: list[dict[str, Any]] | None
) -> dict[str, Any]:
    if isinstance(raw, dict):
        return copy.deepcopy(raw)
    value = str(raw)
    option = find_option(element, value)
    if option is None and suggested is not None:
        option = next((copy.deepcopy(o) for o in suggested if o.get("value") == value), None)
    if option is None and element.get("type", "").endswith("external_select"):
        option = {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}
    if option is None:
        raise LookupError(f"element {element.get('action_id')!r} has no option {value!r}")
    return option


def action_payload(located: Located, key: str | None, value: Any) -> dict[str, Any]:
    """`actions[0]` of a block_actions payload."""
    element = located.element
    action: dict[str, Any] = {
        "type": located.type,
        "action_id": located.action_id,
        "block_id": located.block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if located.type in ("button", "workflow_button"):
        action["text"] = copy.deepcopy(element.get("text"))
        if value is not None or element.get("value") is not None:
            action["value"] = value if value is not None else element.get("value")
        if element.get("style"):
            action["style"] = element["style"]
    elif key is not None:
        action[key] = value
    if "placeholder" in element:
        action["placeholder"] = copy.deepcopy(element["placeholder"])
    return action


def message_state(
    blocks: list[dict[str, Any]], located: Located, key: str | None, value: Any
) -> dict[str, Any]:
    """`state` of a block_actions from a message: initial values plus this choice."""
    entered: dict[str, dict[str, dict[str, Any]]] = {}
    if key is not None and located.type in STATE_KEYS:
        entered = {located.block_id: {located.action_id: {"type": located.type, key: value}}}
    return {"values": state_values(blocks, entered)}


def client_side_errors(view: dict[str, Any]) -> dict[str, str]:
    """What Slack's client refuses before sending view_submission, by block_id."""
    values = view["state"]["values"]
    errors: dict[str, str] = {}
    for block in view.get("blocks", []):
        element = block.get("element") or {}
        if block.get("type") != "input" or element.get("type") not in STATE_KEYS:
            continue
        entry = values.get(block["block_id"], {}).get(element.get("action_id"), {})
        current = entry.get(STATE_KEYS[element["type"]])
        problem = _input_problem(element, current, optional=bool(block.get("optional")))
        if problem:
            errors[block["block_id"]] = problem
    return errors


def _input_problem(element: dict[str, Any], current: Any, *, optional: bool) -> str | None:
    if current in (None, "", []):
        return None if optional else REQUIRED_FIELD
    kind = element["type"]
    if kind == "plain_text_input":
        if len(current) < int(element.get("min_length", 0)):
            return f"Please enter at least {element['min_length']} characters."
        if "max_length" in element and len(current) > int(element["max_length"]):
            return f"Please enter no more than {element['max_length']} characters."
    if kind == "number_input":
        return _number_problem(element, str(current))
    if kind == "email_text_input" and "@" not in str(current):
        return "Please enter a valid email address."
    if kind == "url_text_input" and not str(current).startswith(("http://", "https://")):
        return "Please enter a valid URL."
    return None


def _number_problem(element: dict[str, Any], text: str) -> str | None:
    try:
        number = float(text) if element.get("is_decimal_allowed") else int(text)
    except ValueError:
        return (
            "Please enter a number."
            if element.get("is_decimal_allowed")
            else "Please enter a whole number."
        )
    if "min_value" in element and number < float(element["min_value"]):
        return f"Please enter a number no less than {element['min_value']}."
    if "max_value" in element and number > float(element["max_value"]):
        return f"Please enter a number no more than {element['max_value']}."
    return None


def response_action_problem(view: dict[str, Any], answer: dict[str, Any]) -> str | None:
    """Why Slack would reject `response_action: errors` (keys must be input block ids)."""
    errors = answer.get("errors")
    if not isinstance(errors, dict) or not errors:
        return "response_action errors needs a non-empty errors object"
    input_ids = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
    unknown = sorted(set(errors) - input_ids)
    if unknown:
        return f"errors keyed to blocks that are not input blocks of this view: {unknown}"
    return None
