"""The sandbox mounted at /_sandbox inside another app, delivering webhooks to that app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from bot.config import LOCAL_SANDBOX_PREFIX
from bot.devtools.serving import BackgroundServer
from bot.sandbox import create_sandbox_app

from .support import TOKEN_BODY, booking_body, hex_signature, loopback_client, next_weekday


class HostApp:
    """Stands in for the bot's server: the sandbox under /_sandbox plus a webhook route."""

    def __init__(self) -> None:
        self.bodies: list[tuple[bytes, str]] = []
        self.app = Starlette(
            routes=[
                Route("/webhooks/bookable", self._webhook, methods=["POST"]),
                Mount(LOCAL_SANDBOX_PREFIX, app=create_sandbox_app()),
            ]
        )

    async def _webhook(self, request: Request) -> Response:
        self.bodies.append((await request.body(), request.headers["x-api-key"]))
        return Response(status_code=204)


@pytest.fixture(scope="module")
def host() -> Iterator[tuple[HostApp, BackgroundServer]]:
    app = HostApp()
    with BackgroundServer(app.app) as server:
        yield app, server


def test_mounted_sandbox_serves_the_api_and_calls_back_its_host(
    host: tuple[HostApp, BackgroundServer],
) -> None:
    app, server = host
    with loopback_client(server.url + LOCAL_SANDBOX_PREFIX) as sandbox:
        token = sandbox.post("/oauth/token", json=TOKEN_BODY).json()["access_token"]
        sandbox.headers["Authorization"] = f"Bearer {token}"
        callback = {"callbackUrl": f"{server.url}/webhooks/bookable"}
        secret = sandbox.post("/webhooks", json=callback).json()["secretKey"]
        venue = sandbox.get("/venues", params={"venueName": "Kiln Yard"}).json()["data"][0]
        product = venue["products"][0]["compositeId"]

        created = sandbox.post(
            f"/venues/{product}/booking", json=booking_body(next_weekday(3), "20:00")
        )
        assert created.status_code == 201
        assert sandbox.post("/_control/deliveries/wait").json() == {"idle": True}

    [(body, signature)] = app.bodies
    assert signature == hex_signature(secret, body)
    assert created.json()["id"].encode() in body
