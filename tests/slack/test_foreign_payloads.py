"""Buttons the app did not make (stale after an upgrade, or forged) and signed payloads of
the wrong shape: a friendly answer or a 400, never a traceback or a 500."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.devtools.stack import LocalStack

from .flow import WAIT

OUT_OF_DATE = "This button is out of date"
TEAM = "T1"  # shape checks happen before anyone looks at the team


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("book_product:0", '{"v":"x"}'),  # no product: an older app's button
        ("book_product:0", "not json at all"),
        ("book_product:0", '{"p":"x","d":"2024-02-30"}'),
        ("book_product:0", '{"p":"x","n":"four"}'),
        ("book_product:0", '{"p":"x","d":"2030-01-02","n":2,"t":"25:99"}'),  # a forged time
        ("book_product:0", '{"p":"x","t":"19:00"}'),  # a time without its date
        ("book_product:0", '{"p":"x","d":"2030-01-02","t":1900}'),
        ("search_page:next", '{"words":"x","time":"7pm"}'),
        ("search_page:next", '{"features":7}'),
        ("search_page:next", '{"words":"x","party":true}'),
        ("search_page:next", "[1, 2]"),
        ("cancel_booking:0", ""),
        ("cancel_booking:0", {"id": "B1"}),
    ],
)
async def test_a_foreign_button_value_is_called_out_of_date(
    stack: LocalStack, caplog: pytest.LogCaptureFixture, action_id: str, value: Any
) -> None:
    channel, user = "C_GENERAL", "U_ALICE"
    before = len(stack.fake.messages(channel))
    team = stack.fake.team_id
    payload = _click_payload(
        user={"id": user, "team_id": team},
        team={"id": team},
        actions=[{"type": "button", "action_id": action_id, "block_id": "b", "value": value}],
        trigger_id=stack.fake.issue_trigger_id(user),
        container={"type": "message", "channel_id": channel, "is_ephemeral": True},
        channel={"id": channel, "name": "general"},
        response_url=stack.fake.new_response_url(channel, user),
    )
    with caplog.at_level(logging.INFO):
        assert _signed_post(stack, payload).status_code == 200

        def answered() -> dict[str, Any] | None:
            fresh = stack.fake.messages(channel)[before:]
            return next((m for m in fresh if OUT_OF_DATE in json.dumps(m)), None)

        message = await stack.fake.wait_for(answered, within=WAIT)
    assert message["ephemeral_to"] == user
    assert _tracebacks(caplog) == []
    assert stack.fake.calls_to("views.open") == []


def _signed_post(stack: LocalStack, payload: Any, *, signed: bool = True) -> httpx.Response:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    stamp = str(int(time.time()))
    secret = stack.signing_secret if signed else "not-the-signing-secret"
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert stack.driver is not None
    return httpx.post(
        stack.driver.url,
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature or "",
        },
    )


def _click_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": "U_ALICE", "team_id": TEAM},
        "team": {"id": TEAM},
        "trigger_id": "1.2.3",
        "actions": [{"type": "button", "action_id": "book_product:0", "value": "{}"}],
    }
    payload.update(changes)
    return payload


@pytest.mark.parametrize(
    "changes",
    [
        {"actions": "book_product:0"},
        {"actions": [["book_product:0"]]},
        {"actions": [{"action_id": 7}]},
        {"view": ["not", "a", "view"]},
        {"view": {"id": "V1", "private_metadata": {"key": "k"}}},
        {"user": "U_ALICE"},
        {"user": {"id": 12}},
        {"team": 3},
        {"type": None},
        {"response_url": 5},
    ],
)
def test_a_signed_payload_of_the_wrong_shape_gets_400(
    stack: LocalStack, caplog: pytest.LogCaptureFixture, changes: dict[str, Any]
) -> None:
    with caplog.at_level(logging.WARNING):
        response = _signed_post(stack, _click_payload(**changes))
    assert response.status_code == 400
    assert _tracebacks(caplog) == []
    assert stack.signing_secret not in caplog.text


@pytest.mark.parametrize("payload", [_click_payload(actions="x"), [1, 2], "text", None])
def test_an_unsigned_payload_is_refused_before_its_shape_is_looked_at(
    stack: LocalStack, payload: Any
) -> None:
    assert _signed_post(stack, payload, signed=False).status_code == 401
