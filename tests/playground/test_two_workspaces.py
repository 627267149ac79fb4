"""The two-workspace playground: each person acts in their own workspace, sees only its
channels, and the app answers each workspace with that workspace's token."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from bot.devtools.playground import create_playground_app
from bot.devtools.playground.workspaces import SECOND_CHANNEL, SECOND_TEAM, add_second_workspace
from bot.devtools.serving import BackgroundServer
from bot.devtools.stack import LocalStack

from .test_server import eventually


@pytest.fixture
def two() -> Iterator[tuple[LocalStack, httpx.Client]]:
    with LocalStack(oauth=True) as stack:
        app = create_playground_app(
            stack, sse_max_seconds=1.0, workspaces=add_second_workspace(stack)
        )
        with BackgroundServer(app) as server, httpx.Client(base_url=server.url) as api:
            yield stack, api


def _channels(api: httpx.Client, user: str) -> set[str]:
    snapshot = api.get("/api/state", params={"user": user}, timeout=10).json()
    return {c["id"] for c in snapshot["channels"] if c["kind"] == "channel"}


def test_each_person_sees_and_acts_in_their_own_workspace(
    two: tuple[LocalStack, httpx.Client],
) -> None:
    stack, api = two
    assert _channels(api, "U_DAVE") == {SECOND_CHANNEL}
    assert SECOND_CHANNEL not in _channels(api, "U_ALICE")

    for user, channel, team in (
        ("U_DAVE", SECOND_CHANNEL, SECOND_TEAM),
        ("U_ALICE", "C_GENERAL", stack.fake.team_id),
    ):
        started = time.time()
        sent = api.post("/api/command", json={"user": user, "channel": channel,
                                               "text": "bookings"}, timeout=10)  # fmt: skip
        assert sent.json()["ok"], sent.text
        eventually(
            lambda channel=channel, user=user: any(
                m.get("ephemeral_to") == user for m in stack.fake.messages(channel)),
            f"{user}'s answer",
        )  # fmt: skip
        authorized = [c for c in stack.fake.calls_with_team(team, "auth.test") if c.at > started]
        assert authorized  # the request was authorized with that workspace's own token
