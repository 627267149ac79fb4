"""Status message builders: escaped, within Slack's limits, saying what changed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.slack.blocks.status import (
    LATE_NOTE,
    StatusChange,
    status_direct_message,
    status_thread_reply,
    subscription_notice,
)
from bot.slack.statuses import status_label

HOSTILE = "<!channel> <@U123> <https://evil.example|Your bank> & <!subteam^S1>"


def _all_text(message: dict[str, Any]) -> str:
    return message["text"] + json.dumps(message["blocks"], ensure_ascii=False)


def _valid(message: dict[str, Any]) -> None:
    assert message["text"].strip()
    assert 1 <= len(message["blocks"]) <= 50
    for raw in message["blocks"]:
        block = Block.parse(raw)
        assert block is not None
        block.to_dict()  # runs slack_sdk's validators (lengths, element counts)


def _builders(change: StatusChange, text: str) -> list[dict[str, Any]]:
    return [
        status_thread_reply(change),
        status_direct_message(
            change, venue_name=text, date=dt.date(2025, 6, 25), time="19:30", party_size=4,
            reference=text,
        ),
        subscription_notice(
            change, venue_name=text, group_name=text, date=dt.date(2025, 6, 25),
            time="19:30:00", party_size=2, reference=text,
        ),
    ]  # fmt: skip


def test_thread_reply_says_old_to_new_with_reason() -> None:
    change = StatusChange(
        new="cancelled",
        old="confirmed",
        reason="Kitchen closed",
        changed_at=dt.datetime(2025, 6, 17, 10, 30, tzinfo=dt.UTC),
    )
    message = status_thread_reply(change)
    _valid(message)
    assert message["text"] == "Booking status: Confirmed → Cancelled"
    text = _all_text(message)
    assert "Reason: Kitchen closed" in text
    assert "2025-06-17 10:30 UTC" in text
    assert LATE_NOTE not in text


def test_late_updates_are_marked() -> None:
    message = status_thread_reply(StatusChange(new="confirmed", old="pending", late=True))
    _valid(message)
    assert "received late" in message["text"]
    assert LATE_NOTE in _all_text(message)


def test_unchanged_and_unknown_statuses_read_well() -> None:
    assert status_thread_reply(StatusChange(new="confirmed", old="Confirmed"))["text"] == (
        "Booking status: Confirmed"
    )
    assert status_label("no_show") == "No-show"
    assert status_label("seated_<!here>") == "Seated &lt;!here&gt;"


@pytest.mark.parametrize("late", [False, True])
def test_every_untrusted_string_is_escaped(late: bool) -> None:
    change = StatusChange(new=HOSTILE, old=HOSTILE, reason=HOSTILE, late=late)
    for message in _builders(change, HOSTILE):
        _valid(message)
        text = _all_text(message)
        for raw in ("<!channel>", "<@U123>", "<https://evil", "<!subteam"):
            assert raw not in text
        assert "&lt;!channel&gt;" in text


def test_subscription_notice_leaves_out_the_guest() -> None:
    message = subscription_notice(
        StatusChange(new="confirmed"),
        venue_name="Hawksmoor",
        group_name=None,
        date=None,
        time=None,
        party_size=None,
    )
    _valid(message)
    assert message["text"] == "Booking at Hawksmoor: Confirmed"


@given(
    text=st.text(min_size=0, max_size=5000),
    status=st.text(min_size=1, max_size=300),
    late=st.booleans(),
)
def test_any_input_gives_a_valid_message(text: str, status: str, late: bool) -> None:
    change = StatusChange(new=status, old=text or None, reason=text, late=late)
    for message in _builders(change, text):
        _valid(message)
        assert "<!" not in _all_text(message)
