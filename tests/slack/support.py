"""Helpers for checking Slack payloads."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

RAW_MARKUP = ("<!channel>", "<@U1>", "<@U_BOB>", "<https://evil")


def assert_valid_blocks(blocks: list[dict[str, Any]], *, limit: int = 50) -> None:
    assert 0 < len(blocks) <= limit
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()


def assert_valid_message(message: dict[str, Any]) -> None:
    assert message["text"].strip()
    assert_valid_blocks(message["blocks"])
    assert_no_raw_markup(message)


def assert_valid_view(view: dict[str, Any]) -> None:
    View(**view).validate_json()
    assert len(view["blocks"]) <= 100
    assert len(view.get("private_metadata", "")) <= 3000
    assert_valid_blocks(view["blocks"], limit=100)
    assert_no_raw_markup(view)


def assert_no_raw_markup(payload: Any) -> None:
    """No mention or link markup survives anywhere (text, labels, values)."""
    rendered = _rendered(payload)
    for markup in RAW_MARKUP:
        assert markup not in rendered, markup
    assert "link_names" not in json.dumps(payload)


def _rendered(payload: Any) -> str:
    """Every string Slack would render (skips values and private_metadata)."""
    parts: list[str] = []

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                # values the app reads back, and the user's own editable input text
                if k not in ("value", "private_metadata", "action_id", "block_id", "initial_value"):
                    walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, str):
            parts.append(node)

    walk(payload)
    return "\n".join(parts)


def texts(payload: Any) -> str:
    return _rendered(payload)
