"""The Slack app manifest declares what the app listens for: the ids come from
`bot.slack.ids`, so the two cannot drift apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.slack import ids

MANIFEST = Path(__file__).resolve().parents[2] / "manifests" / "slack-app.yml"


def _manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text())


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
