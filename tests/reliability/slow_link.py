"""`SlowLink`: a proxy in front of Bookable whose answers can be held back."""

from __future__ import annotations

import asyncio
import threading

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.devtools.serving import BackgroundServer


class SlowLink:
    """A proxy in front of Bookable whose answers can be held back: the request reaches
    Bookable at once (so Bookable acts on it) and only the answer is late, as on a slow
    network. `hold(method, path_suffix, seconds)` delays matching answers.
    """

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self._holds: dict[tuple[str, str], float] = {}
        self._mutex = threading.Lock()
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        app = Starlette(routes=[Route("/{path:path}", self._forward, methods=methods)])
        self._server = BackgroundServer(app)

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> SlowLink:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def hold(self, method: str, path_suffix: str, seconds: float) -> None:
        with self._mutex:
            self._holds[(method.upper(), path_suffix)] = seconds

    def release(self) -> None:
        with self._mutex:
            self._holds.clear()

    def _delay(self, method: str, path: str) -> float:
        with self._mutex:
            held = [s for (m, end), s in self._holds.items() if m == method and path.endswith(end)]
        return max(held, default=0.0)

    async def _forward(self, request: Request) -> Response:
        skipped = ("host", "content-length")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in skipped}
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.request(
                request.method,
                self.target + request.url.path,
                params=list(request.query_params.multi_items()),
                content=await request.body(),
                headers=headers,
            )
        delay = self._delay(request.method, request.url.path)
        if delay:
            await asyncio.sleep(delay)
        dropped = ("content-length", "content-encoding", "transfer-encoding", "connection")
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in dropped}
        return Response(answer.content, status_code=answer.status_code, headers=kept)
