"""Helpers shared by the Bookable client tests (constants, a hand-moved clock, sandbox control)."""

from __future__ import annotations

from typing import Any

import httpx

from bot.bookable.client import RetryPolicy
from bot.config import Settings
from bot.devtools.serving import BackgroundServer

CLIENT_ID = "test-client-7f3a"
# Distinctive so a leak shows up in any string search.
CLIENT_SECRET = "s3cr3t-CLIENT-value-9b1e7d4c"
AUDIENCE = "api.bookabletech.com"
# Fast retries: tests must not sleep for real longer than about a second.
FAST_RETRY = RetryPolicy(max_retries=3, max_total_wait=5.0, backoff_base=0.01, backoff_cap=0.05)


class FakeClock:
    """The provider's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Sandbox:
    """A running sandbox plus its control endpoints (no auth, JSON in and out)."""

    def __init__(self, server: BackgroundServer) -> None:
        self.server = server
        self.url = server.url
        self.auth_url = f"{server.url}/oauth/token"

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.url}/_control/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def state(self) -> dict[str, Any]:
        return self.control("GET", "state")

    def knobs(self, **knobs: Any) -> None:
        self.control("POST", "knobs", knobs)

    def advance(self, seconds: float) -> None:
        self.control("POST", "clock", {"advance": seconds})

    def revoke_tokens(self) -> None:
        self.control("POST", "revoke-tokens")

    def tokens_issued(self) -> int:
        return int(self.state()["tokens_issued"])

    def api_requests(self) -> int:
        return int(self.state()["api_requests"])


def sandbox_config(**overrides: Any) -> Any:
    from bot.sandbox import SandboxConfig

    return SandboxConfig(**{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **overrides})


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bookable_env": "local",
        "bookable_client_id": CLIENT_ID,
        "bookable_client_secret": CLIENT_SECRET,
        "bookable_timeout": 2.0,
        "bookable_connect_timeout": 1.0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class RecordingTransport(httpx.AsyncBaseTransport):
    """A real HTTP transport that also keeps every request it sends (for header checks)."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=100))
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def api(self) -> list[httpx.Request]:
        """Requests to the API, without token requests."""
        return [r for r in self.requests if not r.url.path.endswith("/oauth/token")]
