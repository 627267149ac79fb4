"""`tell()` answers through response_url with one bounded retry (Bolt's respond has none)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt.context.respond.async_respond import AsyncRespond
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.devtools.serving import BackgroundServer
from bot.slack.listeners.shared import tell


class ResponseUrl:
    """A response_url that fails with the given statuses first, then accepts."""

    def __init__(self) -> None:
        self.failures: list[tuple[int, dict[str, str]]] = []
        self.received: list[dict[str, Any]] = []

    async def endpoint(self, request: Request) -> Response:
        self.received.append(await request.json())
        if self.failures:
            status, headers = self.failures.pop(0)
            return JSONResponse({"ok": False}, status_code=status, headers=headers)
        return Response("ok")


@pytest.fixture
def response_url() -> Iterator[tuple[ResponseUrl, str]]:
    target = ResponseUrl()
    server = BackgroundServer(
        Starlette(routes=[Route("/hook", target.endpoint, methods=["POST"])])
    ).start()
    try:
        yield target, f"{server.url}/hook"
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("status", "headers"), [(500, {}), (502, {}), (503, {}), (429, {"Retry-After": "0"})]
)
async def test_one_failure_is_retried(
    response_url: tuple[ResponseUrl, str], status: int, headers: dict[str, str]
) -> None:
    target, url = response_url
    target.failures = [(status, headers)]
    await tell(AsyncRespond(response_url=url), {"text": "results"}, replace=True)
    assert [m["text"] for m in target.received] == ["results", "results"]
    assert target.received[-1]["response_type"] == "ephemeral"
    assert target.received[-1]["replace_original"] is True


async def test_a_second_failure_is_logged_not_retried_forever(
    response_url: tuple[ResponseUrl, str], caplog: pytest.LogCaptureFixture
) -> None:
    target, url = response_url
    target.failures = [(500, {}), (503, {}), (500, {})]
    with caplog.at_level(logging.WARNING, logger="bot.slack"):
        await tell(AsyncRespond(response_url=url), {"text": "results"})
    assert len(target.received) == 2
    assert any("HTTP 503" in r.getMessage() for r in caplog.records)
    assert url not in caplog.text  # response_urls are bearer credentials


async def test_a_client_error_is_not_retried(
    response_url: tuple[ResponseUrl, str], caplog: pytest.LogCaptureFixture
) -> None:
    target, url = response_url
    target.failures = [(404, {})]
    with caplog.at_level(logging.WARNING, logger="bot.slack"):
        await tell(AsyncRespond(response_url=url), {"text": "results"})
    assert len(target.received) == 1
    assert any("HTTP 404" in r.getMessage() for r in caplog.records)
