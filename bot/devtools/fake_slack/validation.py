"""Block Kit validation the way Slack's Web API applies it, built on slack_sdk's models.

Errors read like Slack's: `"<problem> [json-pointer:/blocks/3/text]"`.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.devtools.fake_slack.elements import interactive_elements

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
MESSAGE_TEXT_LIMIT = 40_000
_VIEW_FIELDS = {
    "type", "title", "submit", "close", "blocks", "private_metadata", "callback_id",
    "external_id", "clear_on_close", "notify_on_close",
}  # fmt: skip


def _at(problem: str, pointer: str) -> str:
    return f"{problem} [json-pointer:{pointer}]"


def block_errors(blocks: Any, *, limit: int, pointer: str = "/blocks") -> list[str]:
    """Everything Slack would reject about a list of blocks (empty list = valid)."""
    if not isinstance(blocks, list):
        return [_at("must be an array", pointer)]
    if len(blocks) > limit:
        return [_at(f"no more than {limit} items allowed", pointer)]
    errors: list[str] = []
    seen_block_ids: set[str] = set()
    for index, raw in enumerate(blocks):
        here = f"{pointer}/{index}"
        if not isinstance(raw, dict) or "type" not in raw:
            errors.append(_at("must provide an object with a type", here))
            continue
        block_id = raw.get("block_id")
        if block_id is not None:
            if block_id in seen_block_ids:
                errors.append(_at(f"duplicate block_id {block_id!r}", f"{here}/block_id"))
            seen_block_ids.add(block_id)
        errors += _one_block_errors(raw, here)
    return errors


def _one_block_errors(raw: dict[str, Any], here: str) -> list[str]:
    try:
        block = Block.parse(raw)
        if block is None:
            return [_at(f"unsupported block type {raw.get('type')!r}", f"{here}/type")]
        block.to_dict()  # validates this block and, recursively, every nested object
    except Exception as exc:  # any failure to build the model is a block Slack refuses
        return [_at(str(exc) or type(exc).__name__, here)]
    action_ids = [
        located.action_id
        for located in interactive_elements([raw])
        if located.element.get("action_id") is not None
    ]
    duplicates = sorted({a for a in action_ids if action_ids.count(a) > 1})
    return [_at(f"duplicate action_id {a!r}", here) for a in duplicates]


def view_errors(view: Any, *, kinds: tuple[str, ...] = ("modal",)) -> list[str]:
    """Everything Slack would reject about a view payload (empty list = valid)."""
    if not isinstance(view, dict):
        return [_at("must be an object", "/view")]
    if view.get("type") not in kinds:
        return [_at(f"must be one of {', '.join(kinds)}", "/view/type")]
    errors = block_errors(view.get("blocks", []), limit=VIEW_BLOCK_LIMIT, pointer="/view/blocks")
    if errors:
        return errors
    if view["type"] == "modal":
        if not view.get("title"):
            errors.append(_at("must provide a title", "/view/title"))
        has_inputs = any(block.get("type") == "input" for block in view.get("blocks", []))
        if has_inputs and not view.get("submit"):
            errors.append(_at("must provide a submit property when using input blocks", "/view"))
    try:
        View(**{key: value for key, value in view.items() if key in _VIEW_FIELDS}).validate_json()
    except Exception as exc:  # slack_sdk raises SlackObjectFormationError (or TypeError on junk)
        errors.append(_at(str(exc) or type(exc).__name__, "/view"))
    return errors


def metadata_errors(metadata: Any) -> list[str]:
    if not isinstance(metadata, dict):
        return ["metadata must be an object"]
    if not isinstance(metadata.get("event_type"), str) or not metadata["event_type"]:
        return ["metadata.event_type must be a non-empty string"]
    if not isinstance(metadata.get("event_payload"), dict):
        return ["metadata.event_payload must be an object"]
    return []
