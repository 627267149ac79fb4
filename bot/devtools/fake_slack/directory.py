"""The fake workspace's people and conversations (seed data plus lookups)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEAM_NAME = "Bookable Playground"
TEAM_DOMAIN = "bookable-playground"
APP_ID = "A0BOOKABLE"
BOT_USER_ID = "U_BOT"
BOT_ID = "B_BOOKABLE"
BOT_NAME = "bookable"


@dataclass
class User:
    id: str
    name: str
    first_name: str
    last_name: str
    email: str
    is_admin: bool = False
    tz: str = "Europe/London"
    tz_offset: int = 0
    is_bot: bool = False
    phone: str = ""  # as people type it in their Slack profile

    @property
    def real_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def to_api(self, team_id: str, *, include_locale: bool = False) -> dict[str, Any]:
        """The user object `users.info` returns."""
        user: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": self.tz_offset,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "profile": {
                "first_name": self.first_name,
                "last_name": self.last_name,
                "real_name": self.real_name,
                "real_name_normalized": self.real_name,
                "display_name": self.name,
                "display_name_normalized": self.name,
                "email": self.email,
                "phone": self.phone,
                "team": team_id,
            },
        }
        if self.is_bot:
            user["profile"]["bot_id"] = BOT_ID
            user["profile"].pop("email")
        if include_locale:
            user["locale"] = "en-GB"
        return user


@dataclass
class Channel:
    id: str
    name: str
    members: list[str] = field(default_factory=list)
    is_im: bool = False
    is_private: bool = False
    is_archived: bool = False
    im_user: str | None = None  # the human on the other side of a DM

    @property
    def bot_is_member(self) -> bool:
        return self.is_im or BOT_USER_ID in self.members

    def to_api(self) -> dict[str, Any]:
        """The conversation object `conversations.info` returns."""
        if self.is_im:
            return {
                "id": self.id,
                "is_im": True,
                "is_channel": False,
                "is_group": False,
                "is_private": True,
                "is_archived": False,
                "is_org_shared": False,
                "user": self.im_user,
                "created": 1700000000,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_member": self.bot_is_member,
            "is_org_shared": False,
            "is_shared": False,
            "num_members": len(self.members),
            "created": 1700000000,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


def seed_users() -> dict[str, User]:
    users = [
        User("U_ALICE", "alice", "Alice", "Example", "alice@example.com"),
        User(
            "U_BOB",
            "bob",
            "Bob",
            "Admin",
            "bob@example.com",
            is_admin=True,
            phone="+44 (0)7700 900-456",
        ),
        User(
            "U_CAROL",
            "carol",
            "Carol",
            "Traveller",
            "carol@example.com",
            tz="America/New_York",
            tz_offset=-18000,
        ),
        User(BOT_USER_ID, BOT_NAME, "Bookable", "", "", is_bot=True),
    ]
    return {user.id: user for user in users}


def dm_channel_id(user_id: str) -> str:
    """Stable DM id per user: U_ALICE -> D_ALICE."""
    return "D" + user_id[1:] if user_id.startswith("U") else "D_" + user_id


def seed_channels(users: dict[str, User]) -> dict[str, Channel]:
    humans = [user.id for user in users.values() if not user.is_bot]
    channels = [
        Channel("C_GENERAL", "general", [*humans, BOT_USER_ID]),
        Channel("C_RANDOM", "random", list(humans)),
    ]
    channels += [
        Channel(
            dm_channel_id(user_id),
            "directmessage",
            [user_id, BOT_USER_ID],
            is_im=True,
            is_private=True,
            im_user=user_id,
        )
        for user_id in humans
    ]
    return {channel.id: channel for channel in channels}
