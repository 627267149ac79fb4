"""Modals (view stacks per user), App Home views and the trigger_ids that open them.

Not thread-safe by itself: the owning `FakeSlack` serialises access with its lock.
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.fake_slack.directory import APP_ID, BOT_ID
from bot.devtools.fake_slack.elements import state_values, surviving_values, with_generated_ids
from bot.devtools.fake_slack.messages import Emit, SlackError

TRIGGER_TTL = 3.0  # seconds a trigger_id stays usable (Slack's limit)
MAX_STACK = 3  # views.open + 2 × views.push

Values = dict[str, dict[str, dict[str, Any]]]


@dataclass
class Trigger:
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class ViewRecord:
    id: str
    user_id: str
    team_id: str
    payload: dict[str, Any]  # what the app sent, with generated block/action ids
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    entered: Values = field(default_factory=dict)  # what the user typed or picked
    is_open: bool = True

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.payload.get("blocks") or [])

    def state_values(self) -> Values:
        return state_values(self.blocks, self.entered)

    def to_api(self) -> dict[str, Any]:
        """The view object as Slack returns it and sends it in interaction payloads."""
        payload = self.payload
        return {
            "id": self.id,
            "team_id": self.team_id,
            "type": payload["type"],
            "blocks": copy.deepcopy(self.blocks),
            "private_metadata": payload.get("private_metadata", ""),
            "callback_id": payload.get("callback_id", ""),
            "state": {"values": self.state_values()},
            "hash": self.hash,
            "title": copy.deepcopy(payload.get("title")),
            "clear_on_close": bool(payload.get("clear_on_close", False)),
            "notify_on_close": bool(payload.get("notify_on_close", False)),
            "close": copy.deepcopy(payload.get("close")),
            "submit": copy.deepcopy(payload.get("submit")),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": APP_ID,
            "external_id": payload.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": BOT_ID,
        }


def _new_hash() -> str:
    return f"{int(time.time())}.{secrets.token_hex(4)}"


def _normalised(payload: dict[str, Any]) -> dict[str, Any]:
    normalised = copy.deepcopy(payload)
    normalised["blocks"] = with_generated_ids(list(payload.get("blocks") or []))
    return normalised


class ViewStore:
    def __init__(
        self,
        team_id: str,
        emit: Emit,
        clock: Callable[[], float] = time.monotonic,
        trigger_ttl: float = TRIGGER_TTL,
    ) -> None:
        self.team_id = team_id
        self.trigger_ttl = trigger_ttl
        self._emit = emit
        self._clock = clock
        self._triggers: dict[str, Trigger] = {}
        self._views: dict[str, ViewRecord] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}

    def clear(self) -> None:
        self._triggers.clear()
        self._views.clear()
        self._stacks.clear()
        self._homes.clear()

    # --- trigger_ids ------------------------------------------------------------------

    def issue_trigger(self, user_id: str) -> str:
        now = self._clock()
        # forget long-dead triggers so a long playground session does not grow forever
        for stale in [t for t, v in self._triggers.items() if now - v.issued_at > 600]:
            del self._triggers[stale]
        trigger_id = (
            f"{int(time.time())}{secrets.randbelow(10**4):04d}.1700000000.{secrets.token_hex(16)}"
        )
        self._triggers[trigger_id] = Trigger(user_id, now)
        return trigger_id

    def consume_trigger(self, trigger_id: str | None) -> str:
        """The user the trigger belongs to; each trigger works once, within the TTL."""
        if not trigger_id:
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] missing trigger_id"]}
            )
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used or self._clock() - trigger.issued_at > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger.user_id

    # --- modals -----------------------------------------------------------------------

    def open(self, user_id: str, payload: dict[str, Any]) -> ViewRecord:
        self.clear_stack(user_id)
        view_id = self._new_id()
        record = ViewRecord(
            view_id, user_id, self.team_id, _normalised(payload), _new_hash(), view_id
        )
        self._views[view_id] = record
        self._stacks[user_id] = [view_id]
        self._emit({"type": "view.opened", "view": self._inspect(record)})
        return record

    def push(self, user_id: str, payload: dict[str, Any]) -> ViewRecord:
        stack = self._stacks.get(user_id) or []
        if not stack:
            raise SlackError("not_found")
        if len(stack) >= MAX_STACK:
            raise SlackError("push_limit_reached")
        view_id = self._new_id()
        record = ViewRecord(
            view_id, user_id, self.team_id, _normalised(payload), _new_hash(), stack[0], stack[-1]
        )
        self._views[view_id] = record
        stack.append(view_id)
        self._emit({"type": "view.pushed", "view": self._inspect(record)})
        return record

    def update(
        self,
        payload: dict[str, Any],
        *,
        view_id: str | None = None,
        external_id: str | None = None,
        expected_hash: str | None = None,
    ) -> ViewRecord:
        record = self._find(view_id, external_id)
        if expected_hash is not None and expected_hash != record.hash:
            raise SlackError("hash_conflict")
        return self.replace(record.id, payload)

    def replace(self, view_id: str, payload: dict[str, Any]) -> ViewRecord:
        """New content for an open view; input survives where block_id/action_id match."""
        record = self._find(view_id, None)
        record.payload = _normalised(payload)
        record.entered = surviving_values(record.blocks, record.entered)
        record.hash = _new_hash()
        self._emit({"type": "view.updated", "view": self._inspect(record)})
        return record

    def close(self, view_id: str) -> list[ViewRecord]:
        """Close a view and every view pushed above it; returns the closed ones."""
        record = self._find(view_id, None)
        stack = self._stacks.get(record.user_id, [])
        if view_id in stack:
            position = stack.index(view_id)
            closed_ids = stack[position:]
            del stack[position:]
        else:
            closed_ids = [view_id]
        closed = [self._views[i] for i in closed_ids]
        for view in closed:
            view.is_open = False
            self._emit({"type": "view.closed", "view_id": view.id, "user_id": view.user_id})
        return closed

    def clear_stack(self, user_id: str) -> list[ViewRecord]:
        stack = self._stacks.get(user_id) or []
        return self.close(stack[0]) if stack else []

    def publish_home(
        self, user_id: str, payload: dict[str, Any], expected_hash: str | None
    ) -> ViewRecord:
        current = self._views.get(self._homes.get(user_id, ""))
        if current is not None:
            if expected_hash is not None and expected_hash != current.hash:
                raise SlackError("hash_conflict")
            return self.replace(current.id, payload)
        view_id = self._new_id()
        record = ViewRecord(
            view_id, user_id, self.team_id, _normalised(payload), _new_hash(), view_id
        )
        self._views[view_id] = record
        self._homes[user_id] = view_id
        self._emit({"type": "view.published", "view": self._inspect(record)})
        return record

    def set_value(
        self, view_id: str, block_id: str, action_id: str, entry: dict[str, Any]
    ) -> ViewRecord:
        record = self._find(view_id, None)
        record.entered.setdefault(block_id, {})[action_id] = copy.deepcopy(entry)
        self._emit({"type": "view.input", "view": self._inspect(record)})
        return record

    # --- lookups ----------------------------------------------------------------------

    def get(self, view_id: str) -> ViewRecord | None:
        return self._views.get(view_id)

    def stack(self, user_id: str) -> list[ViewRecord]:
        return [self._views[i] for i in self._stacks.get(user_id, [])]

    def home(self, user_id: str) -> ViewRecord | None:
        return self._views.get(self._homes.get(user_id, ""))

    def all(self) -> list[ViewRecord]:
        return list(self._views.values())

    def _find(self, view_id: str | None, external_id: str | None) -> ViewRecord:
        for record in self._views.values():
            matches = record.id == view_id or (
                external_id is not None and record.payload.get("external_id") == external_id
            )
            if matches and record.is_open:
                return record
        raise SlackError("not_found")

    def _inspect(self, record: ViewRecord) -> dict[str, Any]:
        return {**record.to_api(), "user_id": record.user_id, "is_open": record.is_open}

    @staticmethod
    def _new_id() -> str:
        return "V" + secrets.token_hex(5).upper()
