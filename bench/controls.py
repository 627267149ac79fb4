"""Thin HTTP clients for the sandbox's `/_control/*` and the fake Slack's `/_bench/*`."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx


class SandboxControl:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._http = httpx.AsyncClient(base_url=base_url, timeout=30.0, trust_env=False)

    async def knobs(self, **values: Any) -> dict[str, Any]:
        response = await self._http.post("/_control/knobs", json=values)
        response.raise_for_status()
        return dict(response.json())

    async def state(self) -> dict[str, Any]:
        response = await self._http.get("/_control/state")
        response.raise_for_status()
        return dict(response.json())

    async def counters(self) -> tuple[int, int]:
        """(tokens_issued, api_requests)."""
        state = await self.state()
        return int(state["tokens_issued"]), int(state["api_requests"])

    async def reset(self) -> None:
        (await self._http.post("/_control/reset")).raise_for_status()

    async def wait_quiet(self, *, settle: float = 1.0, within: float = 60.0) -> bool:
        """Wait until no API request arrived for `settle` seconds (the app has drained)."""
        deadline = time.monotonic() + within
        last = (await self.counters())[1]
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            now = (await self.counters())[1]
            if now != last:
                last, quiet_since = now, time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                return True
        return False

    async def aclose(self) -> None:
        await self._http.aclose()


class FakeSlackControl:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._http = httpx.AsyncClient(base_url=base_url, timeout=60.0, trust_env=False)

    async def response_urls(
        self, channel: str, user: str, count: int, *, message_ts: str | None = None
    ) -> list[str]:
        body = {
            "kind": "response_url",
            "channel": channel,
            "user": user,
            "count": count,
            "message_ts": message_ts,
        }
        return await self._mint(body)

    async def trigger_ids(self, user: str, count: int) -> list[str]:
        return await self._mint({"kind": "trigger", "user": user, "count": count})

    async def _mint(self, body: dict[str, Any]) -> list[str]:
        response = await self._http.post("/_bench/mint", json=body)
        response.raise_for_status()
        return list(response.json()["values"])

    async def calls(self, *, method: str | None = None, since: int = 0) -> tuple[list[Any], int]:
        """Recorded calls from index `since` (all methods unless `method`), and the next index."""
        params: dict[str, Any] = {"since": since}
        if method:
            params["method"] = method
        response = await self._http.get("/_bench/calls", params=params)
        response.raise_for_status()
        data = response.json()
        return list(data["calls"]), int(data["next"])

    async def call_index(self) -> int:
        """How many calls the fake has recorded: pass as `since` to see only later ones."""
        return int((await self.stats())["total"])

    async def stats(self) -> dict[str, Any]:
        response = await self._http.get("/_bench/stats")
        response.raise_for_status()
        return dict(response.json())

    async def messages(self, channel: str) -> list[dict[str, Any]]:
        response = await self._http.get("/_fake/messages", params={"channel": channel})
        response.raise_for_status()
        return list(response.json())

    async def set_rate(self, rate_per_channel: float | None, burst: int) -> None:
        body = {"rate_per_channel": rate_per_channel, "burst": burst}
        (await self._http.post("/_bench/rate", json=body)).raise_for_status()

    async def reset(self) -> None:
        (await self._http.post("/_bench/reset")).raise_for_status()

    async def book(self, app_url: str, *, user: str, channel: str, query: str) -> dict[str, Any]:
        """A booking made through the app by `user` in `channel` (see bench.booking_flow)."""
        body = {"app_url": app_url, "user": user, "channel": channel, "query": query}
        response = await self._http.post("/_bench/book", json=body, timeout=120.0)
        if response.status_code != 200:
            raise RuntimeError(f"booking through Slack failed: {response.text[:300]}")
        return dict(response.json())

    async def aclose(self) -> None:
        await self._http.aclose()
