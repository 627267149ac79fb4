"""With SLACK_APP_TOKEN set, Slack traffic also arrives over Socket Mode, and HTTP stays up.

A small aiohttp WebSocket server plays Slack's Socket Mode side: the fake Web API's
`apps.connections.open` hands the app its URL, then it sends a slash command envelope and
waits for the app's ack, exactly as Slack does.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiohttp import WSMsgType, web

from bot.devtools.serving import free_port
from bot.devtools.stack import LocalStack

APP_TOKEN = "xapp-1-socket-mode-test-token"


class FakeSocketModeServer:
    """Sends queued envelopes to whichever app connects; records what comes back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}/link"
        self.outbox: asyncio.Queue[dict[str, Any]] | None = None
        self.acks: list[dict[str, Any]] = []
        self.connected = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)

    async def _serve(self) -> None:
        self.outbox = asyncio.Queue()
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})
        self.connected.set()
        assert self.outbox is not None
        sender = asyncio.create_task(self._send_all(ws, self.outbox))
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
        sender.cancel()
        return ws

    @staticmethod
    async def _send_all(ws: web.WebSocketResponse, outbox: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            await ws.send_json(await outbox.get())

    def send(self, envelope: dict[str, Any]) -> None:
        assert self.outbox is not None
        self._loop.call_soon_threadsafe(self.outbox.put_nowait, envelope)

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def socket_stack() -> Iterator[tuple[LocalStack, FakeSocketModeServer]]:
    server = FakeSocketModeServer()
    server.start()
    stack = LocalStack(
        settings_overrides={"slack_app_token": APP_TOKEN},
        fake_slack_options={"app_token": APP_TOKEN},
    )
    stack.fake.socket_mode_url = server.url
    try:
        with stack:
            yield stack, server
    finally:
        server.stop()


async def test_slash_command_over_socket_mode_is_acked_and_answered(
    socket_stack: tuple[LocalStack, FakeSocketModeServer],
) -> None:
    stack, server = socket_stack
    assert await asyncio.to_thread(server.connected.wait, 10), "app never connected"
    response_url = stack.fake.new_response_url("C_GENERAL", "U_ALICE")
    server.send(
        {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "token": "unused",
                "team_id": stack.fake.team_id,
                "channel_id": "C_GENERAL",
                "channel_name": "general",
                "user_id": "U_ALICE",
                "user_name": "alice",
                "command": "/bookable",
                "text": "search dishoom",
                "api_app_id": "A0BOOKABLE",
                "response_url": response_url,
                "trigger_id": stack.fake.issue_trigger_id("U_ALICE"),
            },
        }
    )

    def results() -> dict[str, Any] | None:
        found = [
            m for m in stack.fake.messages("C_GENERAL")
            if m.get("ephemeral_to") == "U_ALICE" and "Dishoom" in m["text"]
        ]  # fmt: skip
        return found[-1] if found else None

    message = await stack.fake.wait_for(results, within=15)
    assert "Dishoom Covent Garden" in message["text"]
    acked = await stack.fake.wait_for(
        lambda: any(ack.get("envelope_id") == "env-1" for ack in server.acks), within=5
    )
    assert acked
    # The HTTP server keeps serving (Bookable's webhook needs it in Socket Mode too).
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{stack.app_url}/healthz")).status_code == 200
