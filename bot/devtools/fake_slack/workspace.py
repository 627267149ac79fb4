"""Everything the fake workspace knows, in plain Python objects.

Not thread-safe by itself: `FakeSlack` holds its lock around every use.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.devtools.fake_slack.directory import (
    BOT_USER_ID,
    Channel,
    User,
    dm_channel_id,
    seed_channels,
    seed_users,
)
from bot.devtools.fake_slack.messages import Emit, MessageStore, SlackError
from bot.devtools.fake_slack.views import TRIGGER_TTL, ViewStore

RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60.0


@dataclass
class ResponseUrl:
    channel_id: str
    user_id: str
    message_ts: str | None  # the message a block action came from ("original")
    created_at: float
    uses: int = 0
    # A follow-up replaced the command's ack before the client had shown it: don't show it.
    ack_replaced: bool = False


class Workspace:
    def __init__(
        self,
        team_id: str,
        emit: Emit,
        clock: Callable[[], float] = time.monotonic,
        trigger_ttl: float = TRIGGER_TTL,
    ) -> None:
        self.team_id = team_id
        self.clock = clock
        self._emit = emit
        self.users: dict[str, User] = seed_users()
        self.channels: dict[str, Channel] = seed_channels(self.users)
        self.messages = MessageStore(team_id, emit)
        self.views = ViewStore(team_id, emit, clock, trigger_ttl)
        self.response_urls: dict[str, ResponseUrl] = {}

    def reset(self) -> None:
        self.users = seed_users()
        self.channels = seed_channels(self.users)
        self.messages.clear()
        self.views.clear()
        self.response_urls.clear()
        self._emit({"type": "state.reset"})

    # --- directory --------------------------------------------------------------------

    def add_user(self, user: User) -> None:
        self.users[user.id] = user
        dm_id = dm_channel_id(user.id)
        members = [user.id, BOT_USER_ID]
        dm = Channel(dm_id, "directmessage", members, is_im=True, is_private=True, im_user=user.id)
        self.channels.setdefault(dm.id, dm)

    def add_channel(self, channel: Channel) -> None:
        self.channels[channel.id] = channel

    def user(self, user_id: Any) -> User:
        user = self.users.get(user_id) if isinstance(user_id, str) else None
        if user is None:
            raise SlackError("user_not_found")
        return user

    def channel(self, ref: Any) -> Channel:
        """Accepts an id, a `#name`, a bare name, or a user id (meaning the DM with them)."""
        if not isinstance(ref, str) or not ref:
            raise SlackError("channel_not_found")
        if ref in self.channels:
            return self.channels[ref]
        if ref in self.users:
            return self.channels[dm_channel_id(ref)]
        name = ref.removeprefix("#")
        for channel in self.channels.values():
            if not channel.is_im and channel.name == name:
                return channel
        raise SlackError("channel_not_found")

    # --- response_url -----------------------------------------------------------------

    def new_response_url(self, channel_id: str, user_id: str, message_ts: str | None) -> str:
        token = secrets.token_urlsafe(18)
        self.response_urls[token] = ResponseUrl(channel_id, user_id, message_ts, self.clock())
        return token

    def use_response_url(self, token: str) -> ResponseUrl:
        record = self.response_urls.get(token)
        if record is None:
            raise SlackError("no_service")
        if self.clock() - record.created_at > RESPONSE_URL_TTL:
            raise SlackError("expired_url")
        if record.uses >= RESPONSE_URL_USES:
            raise SlackError("used_url")
        record.uses += 1
        return record

    # --- inspection -------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The whole visible state, as the playground renders it."""
        messages = self.messages
        return {
            "team_id": self.team_id,
            "users": [user.to_api(self.team_id) for user in self.users.values()],
            "channels": [
                {
                    **channel.to_api(),
                    "name": channel.name,
                    "members": list(channel.members),
                    "messages": [
                        {
                            **message.to_inspect(self.team_id),
                            "replies": [
                                reply.to_inspect(self.team_id)
                                for reply in messages.replies(channel.id, message.ts)
                            ],
                        }
                        for message in messages.top_level(channel.id)
                    ],
                }
                for channel in self.channels.values()
            ],
            "views": [
                {**record.to_api(), "user_id": record.user_id, "is_open": record.is_open}
                for record in self.views.all()
                if record.is_open
            ],
        }
