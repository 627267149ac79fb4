"""Subscription answers, announcements and the list with Unsubscribe buttons (pure)."""

from __future__ import annotations

import datetime as dt

from bot.slack import ids
from bot.slack.blocks import subscriptions as blocks
from bot.store.records import Subscription

from .conftest import HOSTILE
from .support import assert_valid_message


def _subscription(index: int, venue: str | None = "hawksmoor") -> Subscription:
    return Subscription(
        id=100 + index, team_id="T1", channel_id="C1", venue=venue, group=None,
        status=None, created_by="U_ALICE", created_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def test_the_list_has_one_unsubscribe_button_per_subscription_within_slacks_limits() -> None:
    listed = blocks.subscription_list([_subscription(i) for i in range(60)], notice="Done.")
    assert_valid_message(listed)
    buttons = [b["accessory"] for b in listed["blocks"] if b.get("accessory")]
    assert buttons[0]["action_id"] == f"{ids.UNSUBSCRIBE_ACTION}:0"
    assert buttons[0]["value"] == "100" and buttons[0]["text"]["text"] == "Unsubscribe"
    assert len({b["action_id"] for b in buttons}) == len(buttons)
    assert all(ids.UNSUBSCRIBE_PATTERN.match(b["action_id"]) for b in buttons)
    assert "…and 13 more." in str(listed["blocks"][-1])


def test_hostile_venue_names_are_escaped_in_answers_and_announcements() -> None:
    for message in (
        blocks.announcement("U_ALICE", added=True, venue=HOSTILE, group=None, status=None),
        blocks.subscribed(HOSTILE, None, "declined", [HOSTILE] * 7),
        blocks.no_venue_matches(HOSTILE),
        blocks.subscription_list([_subscription(0, HOSTILE)]),
    ):
        assert_valid_message(message)
    announced = blocks.announcement("U_BOB", added=False, venue="x1", group=None, status=None)
    assert announced["text"].startswith(":no_bell: <@U_BOB> unsubscribed this channel")
    assert "and 2 more" in blocks.subscribed("x1", None, None, [f"V{i}" for i in range(7)])["text"]
