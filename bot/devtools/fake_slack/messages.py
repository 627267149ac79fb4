"""Messages the app posted, with threads, ephemeral messages and metadata.

Not thread-safe by itself: the owning `FakeSlack` serialises access with its lock.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.fake_slack.directory import APP_ID, BOT_ID, BOT_USER_ID

Emit = Callable[[dict[str, Any]], None]


class SlackError(Exception):
    """A Web API failure: becomes `{"ok": false, "error": error, **extra}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class StoredMessage:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None  # set on replies: the parent's ts
    ephemeral_to: str | None = None
    user: str = BOT_USER_ID
    reply_ts: list[str] = field(default_factory=list)
    reply_users: list[str] = field(default_factory=list)
    edited_ts: str | None = None
    reply_broadcast: bool = False

    def to_api(self, team_id: str, *, include_metadata: bool = True) -> dict[str, Any]:
        """The message object as Slack's Web API returns it."""
        message: dict[str, Any] = {
            "type": "message",
            "user": self.user,
            "team": team_id,
            "text": self.text,
            "ts": self.ts,
        }
        if self.user == BOT_USER_ID:
            message.update(bot_id=BOT_ID, app_id=APP_ID)
        if self.blocks is not None:
            message["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments:
            message["attachments"] = copy.deepcopy(self.attachments)
        if self.thread_ts:
            message.update(thread_ts=self.thread_ts, parent_user_id=BOT_USER_ID)
        if self.reply_ts:
            message.update(
                thread_ts=self.ts,
                reply_count=len(self.reply_ts),
                reply_users=list(self.reply_users),
                reply_users_count=len(self.reply_users),
                latest_reply=self.reply_ts[-1],
            )
        if self.edited_ts:
            message["edited"] = {"user": self.user, "ts": self.edited_ts}
        if self.metadata is not None and include_metadata:
            message["metadata"] = copy.deepcopy(self.metadata)
        return message

    def to_inspect(self, team_id: str) -> dict[str, Any]:
        """For tests and the playground: the API shape plus where it is and who sees it."""
        return {**self.to_api(team_id), "channel": self.channel, "ephemeral_to": self.ephemeral_to}


def ts_order(message: StoredMessage) -> tuple[int, int]:
    seconds, _, micros = message.ts.partition(".")
    return int(seconds), int(micros or 0)


class TsClock:
    """Slack-style `ts` values ("1700000000.000100"): unique and strictly increasing."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._last_us = 0

    def next(self) -> str:
        self._last_us = max(int(self._wall() * 1_000_000), self._last_us + 1)
        seconds, micros = divmod(self._last_us, 1_000_000)
        return f"{seconds}.{micros:06d}"


class MessageStore:
    def __init__(self, team_id: str, emit: Emit) -> None:
        self.team_id = team_id
        self._emit = emit
        self._ts = TsClock()
        self._top_level: dict[str, list[StoredMessage]] = {}
        self._by_ts: dict[tuple[str, str], StoredMessage] = {}

    def clear(self) -> None:
        self._top_level.clear()
        self._by_ts.clear()

    def post(
        self,
        channel: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        thread_ts: str | None = None,
        ephemeral_to: str | None = None,
        reply_broadcast: bool = False,
        user: str = BOT_USER_ID,
    ) -> StoredMessage:
        parent = None
        if thread_ts:
            parent = self.get(channel, thread_ts)
            if parent is None:
                raise SlackError("thread_not_found")
            if parent.thread_ts:  # replying to a reply lands in the same thread
                parent = self._by_ts[(channel, parent.thread_ts)]
        message = StoredMessage(
            channel=channel,
            ts=self._ts.next(),
            text=text,
            blocks=blocks,
            attachments=attachments,
            metadata=metadata,
            thread_ts=parent.ts if parent else None,
            ephemeral_to=ephemeral_to,
            reply_broadcast=reply_broadcast,
            user=user,
        )
        self._by_ts[(channel, message.ts)] = message
        if parent is None:
            self._top_level.setdefault(channel, []).append(message)
        elif ephemeral_to is None:  # ephemeral replies are not counted on the parent
            parent.reply_ts.append(message.ts)
            if user not in parent.reply_users:
                parent.reply_users.append(user)
        self._emit({"type": "message.posted", "message": message.to_inspect(self.team_id)})
        return message

    def update(
        self,
        channel: str,
        ts: str,
        *,
        changes: dict[str, Any],
    ) -> StoredMessage:
        """Apply `changes` (text, blocks, attachments, metadata) to an existing message."""
        message = self.get(channel, ts)
        if message is None:
            raise SlackError("message_not_found")
        for name, value in changes.items():
            setattr(message, name, value)
        message.edited_ts = self._ts.next()
        self._emit({"type": "message.updated", "message": message.to_inspect(self.team_id)})
        return message

    def delete(self, channel: str, ts: str) -> StoredMessage:
        message = self._by_ts.pop((channel, ts), None)
        if message is None:
            raise SlackError("message_not_found")
        if message.thread_ts:
            parent = self._by_ts.get((channel, message.thread_ts))
            if parent is not None and ts in parent.reply_ts:
                parent.reply_ts.remove(ts)
        else:
            self._top_level[channel].remove(message)
            for reply_ts in message.reply_ts:
                self._by_ts.pop((channel, reply_ts), None)
        self._emit({"type": "message.deleted", "channel": channel, "ts": ts})
        return message

    def get(self, channel: str, ts: str) -> StoredMessage | None:
        return self._by_ts.get((channel, ts))

    def top_level(self, channel: str) -> list[StoredMessage]:
        return list(self._top_level.get(channel, []))

    def replies(self, channel: str, ts: str) -> list[StoredMessage]:
        """The thread under `ts` (or under the parent of `ts`), oldest first, no parent."""
        message = self.get(channel, ts)
        if message is None:
            return []
        parent = self._by_ts.get((channel, message.thread_ts)) if message.thread_ts else message
        if parent is None:
            return []
        thread = [self._by_ts[(channel, reply_ts)] for reply_ts in parent.reply_ts]
        ephemeral = [
            m
            for m in self._by_ts.values()
            if m.channel == channel and m.thread_ts == parent.ts and m.ephemeral_to
        ]
        return sorted(thread + ephemeral, key=ts_order)

    def channels(self) -> list[str]:
        return list(self._top_level)

    def all(self) -> list[StoredMessage]:
        return sorted(self._by_ts.values(), key=ts_order)
