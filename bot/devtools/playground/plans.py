"""Simulated people for the playground's team meal plans: added to the fake workspace and
its channel, then clicking I'm in as themselves (signed, like any click)."""

from __future__ import annotations

from typing import Any

from bot.devtools.fake_slack import FakeSlack
from bot.devtools.fake_slack.directory import User
from bot.slack import ids

NAMES = ("Priya", "Tom", "Wei", "Amara", "Luca", "Sofia", "Kofi", "Maja", "Diego", "Noor")


def simulated_votes_target(fake: FakeSlack, channel: str) -> dict[str, Any]:
    """The newest plan message in `channel` that still takes votes."""
    for message in reversed(fake.messages(channel)):
        if message["text"].startswith("Team meal planned") and plan_vote_buttons(message):
            return message
    raise LookupError("no open team meal plan here: start one with /bookable plan")


def plan_vote_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in message.get("blocks") or []:
        accessory = block.get("accessory") or {}
        if ids.PLAN_VOTE_PATTERN.match(str(accessory.get("action_id", ""))):
            found.append(accessory)
    return found


def add_simulated_people(fake: FakeSlack, channel: str, count: int) -> list[str]:
    """`count` new people in `channel` (numbered after those already added)."""
    workspace = fake.workspace
    start = sum(1 for user in workspace.users if user.startswith("U_SIM"))
    members = workspace.channels[channel].members
    people = []
    for n in range(start, start + count):
        user_id = f"U_SIM{n:03}"
        first = NAMES[n % len(NAMES)]
        workspace.add_user(
            User(user_id, f"{first.lower()}{n}", first, f"Sim{n}", f"sim{n}@example.com")
        )
        if user_id not in members:
            members.append(user_id)
        people.append(user_id)
    return people
