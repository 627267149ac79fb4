"""Injected failures, and the per-channel rate limit on chat.postMessage."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.devtools.fake_slack import FakeSlack

from .conftest import ManualClock


async def test_injected_429_is_retried_by_slack_sdk(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    fake.inject("chat.postMessage", status=429, retry_after=0)

    posted = await client.chat_postMessage(channel="C_GENERAL", text="eventually")

    assert posted["ok"] is True
    first, second = fake.calls_to("chat.postMessage")
    assert (first.http_status, first.response["error"]) == (429, "ratelimited")
    assert first.headers["Retry-After"] == "0"
    assert second.http_status == 200
    assert [m["text"] for m in fake.messages("C_GENERAL")] == ["eventually"]


async def test_injected_errors_and_server_failures_count_down(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.inject("chat.update", error="cant_update_message", count=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as error:
            await client.chat_update(channel="C_GENERAL", ts="1.2", text="x")
        assert error.value.response["error"] == "cant_update_message"
    with pytest.raises(SlackApiError) as error:  # the fault is used up: normal answers again
        await client.chat_update(channel="C_GENERAL", ts="1.2", text="x")
    assert error.value.response["error"] == "message_not_found"


async def test_faults_over_http_and_delays(
    fake: FakeSlack, client: AsyncWebClient, slack_url: str
) -> None:
    async with httpx.AsyncClient() as http:
        accepted = await http.post(
            f"{slack_url}/_fake/faults", json={"method": "users.info", "status": 503}
        )
        refused = await http.post(f"{slack_url}/_fake/faults", json={"status": 503})
    assert accepted.json() == {"ok": True} and refused.status_code == 400
    with pytest.raises(SlackApiError) as error:
        await client.users_info(user="U_ALICE")
    assert error.value.response.status_code == 503

    fake.inject("auth.test", delay=0.5)
    slow_client = AsyncWebClient(token=client.token, base_url=client.base_url, timeout=0.1)
    with pytest.raises(asyncio.TimeoutError):
        await slow_client.auth_test()


async def test_rate_limit_per_channel(
    fake: FakeSlack, client: AsyncWebClient, clock: ManualClock
) -> None:
    fake.rate_per_channel, fake.burst = 1.0, 3
    for n in range(3):
        await client.chat_postMessage(channel="C_GENERAL", text=f"burst {n}")
    with pytest.raises(SlackApiError) as error:
        await client.chat_postMessage(channel="C_GENERAL", text="one too many")
    assert error.value.response.status_code == 429
    assert error.value.response.headers["Retry-After"] in ("1", ["1"])
    assert error.value.response["error"] == "ratelimited"

    await client.chat_postMessage(channel="D_ALICE", text="another channel has its own bucket")
    clock.advance(1.0)
    await client.chat_postMessage(channel="C_GENERAL", text="after a second")
    await client.chat_postEphemeral(
        channel="C_GENERAL", user="U_ALICE", text="ephemeral is not limited"
    )

    assert fake.rate_limited_count == 1
    assert "one too many" not in [m["text"] for m in fake.messages("C_GENERAL")]
