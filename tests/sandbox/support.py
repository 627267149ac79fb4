"""Helpers for the sandbox tests: a client for a running sandbox, a webhook receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.config import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET
from bot.devtools.serving import BackgroundServer
from bot.sandbox import SandboxState
from bot.sandbox.availability import venue_today

RETRY_UNIT = 0.02  # seconds per "minute" of Bookable's 1, 2, 4, … retry schedule

TOKEN_BODY = {
    "grant_type": "client_credentials",
    "client_id": LOCAL_CLIENT_ID,
    "client_secret": LOCAL_CLIENT_SECRET,
    "audience": "api.bookabletech.com",
}


def today() -> date:
    """Today where the venues are (Europe/London)."""
    return venue_today(time.time()).date()


HOLIDAYS = {(12, 24), (12, 25), (12, 26), (12, 31), (1, 1)}  # disabled at some seed venues


def next_weekday(weekday: int, *, after: int = 1) -> date:
    """The first date at least `after` days from today (venue time) on `weekday`, skipping
    the seed's operator-disabled holidays."""
    day = today() + timedelta(days=after)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    while (day.month, day.day) in HOLIDAYS:
        day += timedelta(days=7)
    return day


def loopback_client(base_url: str, headers: dict[str, str] | None = None) -> httpx.Client:
    # Plain http on loopback: verify=False only skips loading CA certificates (slow).
    return httpx.Client(
        base_url=base_url, headers=headers, timeout=10, trust_env=False, verify=False
    )


@dataclass
class Sandbox:
    server: BackgroundServer
    state: SandboxState
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = loopback_client(self.server.url)

    @property
    def url(self) -> str:
        return self.server.url

    def token(self, **overrides: str) -> str:
        response = self.http.post("/oauth/token", json={**TOKEN_BODY, **overrides})
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def api(self, token: str | None = None) -> httpx.Client:
        return loopback_client(self.url, {"Authorization": f"Bearer {token or self.token()}"})

    def control(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.http.post(f"/_control/{path}", json=body or {})

    def snapshot(self) -> dict[str, Any]:
        return dict(self.http.get("/_control/state").json())

    def wait_deliveries(self) -> None:
        assert self.http.post("/_control/deliveries/wait").json() == {"idle": True}

    def venue(self, name: str) -> dict[str, Any]:
        return next(v.data for v in self.state.catalogue.venues if v.data["name"] == name)

    def product(self, venue_name: str, product_name: str) -> str:
        venue = self.venue(venue_name)
        return str(
            next(p["compositeId"] for p in venue["products"] if p["productName"] == product_name)
        )

    def reset(self) -> None:
        async def clean() -> None:
            await self.state.reset()
            self.state.webhook = None
            self.state.revoke_tokens()

        self.server.call(clean())


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]
    at: float
    signature_ok: bool | None  # None: the receiver had no secret to check with

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A partner's webhook endpoint: checks the HMAC as a partner must, can fail on purpose."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.secret: str | None = None
        self.fail_first = 0
        self.lock = threading.Lock()
        self.app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])
        self.server = BackgroundServer(self.app)

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.secret = None
            self.fail_first = 0

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        signature_ok = None
        if self.secret is not None:
            expected = hex_signature(self.secret, body)
            signature_ok = hmac.compare_digest(request.headers.get("x-api-key", ""), expected)
        received = Received(body, dict(request.headers), time.monotonic(), signature_ok)
        with self.lock:
            self.received.append(received)
            if signature_ok is False:
                return Response(status_code=401)
            if self.fail_first > 0:
                self.fail_first -= 1
                return Response(status_code=500)
        return Response(status_code=204)

    @property
    def url(self) -> str:
        return f"{self.server.url}/hook"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"got {len(self.received)} of {count}"
            time.sleep(0.005)
        return list(self.received)


def hex_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def booking_body(day: date, time_: str, **changes: Any) -> dict[str, Any]:
    body = {
        "firstName": "Jane",
        "lastName": "Smith",
        "email": "jane.smith@example.com",
        "phone": "+441234567890",
        "partySize": 2,
        "date": day.isoformat(),
        "time": time_,
        "type": "book",
    }
    body.update(changes)
    return body
