"""Block Kit element helpers shared by the fake Web API and the driver.

Slack keeps the state of every stateful element (inputs, selects, pickers) in
`view.state.values[block_id][action_id]`, each entry shaped by element type.
"""

from __future__ import annotations

import copy
import secrets
import string
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# element type -> the key holding its current value in `state.values`
STATE_KEYS: dict[str, str] = {
    "plain_text_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "number_input": "value",
    "rich_text_input": "rich_text_value",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "checkboxes": "selected_options",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}

# the state key -> the element field that pre-fills it
INITIAL_KEYS: dict[str, str] = {
    "value": "initial_value",
    "rich_text_value": "initial_value",
    "selected_date": "initial_date",
    "selected_time": "initial_time",
    "selected_date_time": "initial_date_time",
    "selected_option": "initial_option",
    "selected_options": "initial_options",
    "selected_user": "initial_user",
    "selected_users": "initial_users",
    "selected_conversation": "initial_conversation",
    "selected_conversations": "initial_conversations",
    "selected_channel": "initial_channel",
    "selected_channels": "initial_channels",
}

_ID_ALPHABET = string.ascii_letters + string.digits
_NON_INTERACTIVE = {"image", "plain_text", "mrkdwn"}


@dataclass(frozen=True)
class Located:
    block: dict[str, Any]
    element: dict[str, Any]

    @property
    def block_id(self) -> str:
        return str(self.block.get("block_id", ""))

    @property
    def action_id(self) -> str:
        return str(self.element.get("action_id", ""))

    @property
    def type(self) -> str:
        return str(self.element.get("type", ""))

    @property
    def in_input_block(self) -> bool:
        return self.block.get("type") == "input"

    @property
    def dispatches_actions(self) -> bool:
        """Slack sends `block_actions` for elements outside input blocks, or opted in."""
        return not self.in_input_block or bool(self.block.get("dispatch_action"))


def interactive_elements(blocks: list[dict[str, Any]]) -> Iterator[Located]:
    """Every interactive element: actions elements, input elements, section accessories."""
    for block in blocks:
        candidates: list[Any] = []
        if block.get("type") == "actions":
            candidates = list(block.get("elements") or [])
        elif block.get("type") == "input":
            candidates = [block.get("element")]
        elif block.get("type") == "section":
            candidates = [block.get("accessory")]
        for element in candidates:
            if isinstance(element, dict) and element.get("type") not in _NON_INTERACTIVE:
                yield Located(block, element)


def find_element(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None = None
) -> Located | None:
    for located in interactive_elements(blocks):
        if located.action_id == action_id and block_id in (None, located.block_id):
            return located
    return None


def empty_entry(element_type: str) -> dict[str, Any]:
    key = STATE_KEYS[element_type]
    return {"type": element_type, key: [] if key.endswith("s") else None}


def initial_entry(element: dict[str, Any]) -> dict[str, Any]:
    element_type = str(element.get("type"))
    entry = empty_entry(element_type)
    key = STATE_KEYS[element_type]
    initial = element.get(INITIAL_KEYS[key])
    if initial is not None:
        entry[key] = copy.deepcopy(initial)
    return entry


def state_values(
    blocks: list[dict[str, Any]], entered: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """`state.values` as Slack sends it: what the user entered, else the initial value."""
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for located in interactive_elements(blocks):
        if located.type not in STATE_KEYS:
            continue
        entry = entered.get(located.block_id, {}).get(located.action_id)
        values.setdefault(located.block_id, {})[located.action_id] = copy.deepcopy(
            entry if entry is not None else initial_entry(located.element)
        )
    return values


def surviving_values(
    blocks: list[dict[str, Any]], entered: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """After an update Slack keeps input only where block_id and action_id are unchanged."""
    kept: dict[str, dict[str, dict[str, Any]]] = {}
    for located in interactive_elements(blocks):
        entry = entered.get(located.block_id, {}).get(located.action_id)
        if entry is not None and entry.get("type") == located.type:
            kept.setdefault(located.block_id, {})[located.action_id] = entry
    return kept


def all_options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += list(group.get("options") or [])
    return options


def find_option(element: dict[str, Any], value: str) -> dict[str, Any] | None:
    for option in all_options(element):
        if option.get("value") == value:
            return copy.deepcopy(option)
    return None


def random_id(length: int = 5) -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def with_generated_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copy of `blocks` where missing block_id/action_id are filled in, as Slack does."""
    filled = copy.deepcopy(blocks)
    for block in filled:
        block.setdefault("block_id", random_id())
    for located in interactive_elements(filled):
        located.element.setdefault("action_id", random_id())
    return filled
