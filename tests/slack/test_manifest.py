"""The Slack app manifest declares what the app listens for: the ids come from
`bot.slack.ids`, so the two cannot drift apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.slack import ids

MANIFEST = Path(__file__).resolve().parents[2] / "manifests" / "slack-app.yml"


class StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping: YAML keeps only the
    last, so a second `event_subscriptions:` would silently drop the first."""


def _no_duplicate_keys(loader: StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicate_keys)


def _manifest(text: str | None = None) -> dict[str, Any]:
    return yaml.load(MANIFEST.read_text() if text is None else text, Loader=StrictLoader)


def test_the_manifest_names_no_key_twice() -> None:
    assert _manifest()["display_information"]["name"]
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key 'settings'"):
        _manifest("settings: {a: 1}\nsettings: {b: 2}\n")


def test_home_tab_and_its_event_are_enabled() -> None:
    manifest = _manifest()
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    events = manifest["settings"]["event_subscriptions"]
    assert "app_home_opened" in events["bot_events"]
    assert events["request_url"] == manifest["settings"]["interactivity"]["request_url"]


def test_shortcuts_use_the_apps_callback_ids() -> None:
    shortcuts = {s["callback_id"]: s for s in _manifest()["features"]["shortcuts"]}
    assert shortcuts[ids.BOOK_SHORTCUT]["type"] == "global"
    assert shortcuts[ids.BOOK_SHORTCUT]["name"] == "Book a table"
    assert shortcuts[ids.BOOK_HERE_SHORTCUT]["type"] == "message"
    assert shortcuts[ids.BOOK_HERE_SHORTCUT]["name"] == "Book a table for this conversation"
    assert all(shortcut["description"] for shortcut in shortcuts.values())  # required


def test_scopes_cover_the_dm_confirmation() -> None:
    scopes = _manifest()["oauth_config"]["scopes"]["bot"]
    assert {"commands", "chat:write", "im:write"} <= set(scopes)
