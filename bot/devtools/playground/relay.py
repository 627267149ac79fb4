"""Server-Sent Events for the browser: a nudge on every fake Slack state change.

The fake calls listeners in whichever thread changed its state, so each browser stream owns
an asyncio queue fed through its own loop with `call_soon_threadsafe`. Events carry only
their type: the page then fetches `/api/state`, which holds only what the current user may
see. Streams end after `max_seconds` (the browser's EventSource reconnects at once), so a
server shutdown never waits on an open stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse

Nudge = dict[str, Any]


class EventRelay:
    def __init__(self, *, max_seconds: float = 15.0, keepalive: float = 10.0) -> None:
        self.max_seconds = max_seconds
        self.keepalive = keepalive
        self._lock = threading.Lock()
        self._queues: dict[asyncio.Queue[Nudge], asyncio.AbstractEventLoop] = {}
        self._seq = 0

    def publish(self, event: dict[str, Any]) -> None:
        """Thread-safe; a listener for `FakeSlack.add_listener` and for local changes."""
        with self._lock:
            self._seq += 1
            nudge = {"seq": self._seq, "type": str(event.get("type", "changed"))}
            targets = list(self._queues.items())
        for queue, loop in targets:
            with contextlib.suppress(RuntimeError):  # that stream's loop has already closed
                loop.call_soon_threadsafe(_offer, queue, nudge)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._queues)

    async def stream(self, request: Request) -> StreamingResponse:
        queue: asyncio.Queue[Nudge] = asyncio.Queue(maxsize=100)
        with self._lock:
            self._queues[queue] = asyncio.get_running_loop()
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        frames = self._frames(queue)
        return StreamingResponse(frames, media_type="text/event-stream", headers=headers)

    async def _frames(self, queue: asyncio.Queue[Nudge]) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_seconds
        try:
            yield b"retry: 500\n\n"
            while (remaining := deadline - loop.time()) > 0:
                try:
                    nudge = await asyncio.wait_for(queue.get(), min(remaining, self.keepalive))
                except TimeoutError:
                    yield b": keepalive\n\n"
                    continue
                yield f"id: {nudge['seq']}\ndata: {json.dumps(nudge)}\n\n".encode()
        finally:
            with self._lock:
                self._queues.pop(queue, None)


def _offer(queue: asyncio.Queue[Nudge], nudge: Nudge) -> None:
    with contextlib.suppress(asyncio.QueueFull):  # a stuck page just refreshes later
        queue.put_nowait(nudge)
