"""State-change events for in-process listeners and Server-Sent Events subscribers.

`publish` may be called from any thread: each subscriber's queue is fed through its own
event loop with `call_soon_threadsafe`. Streams are short-lived (a browser's EventSource
reconnects and sends `Last-Event-ID`; missed events are replayed from a small backlog) so
that a server shutdown never waits long on an open stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Event = dict[str, Any]
Listener = Callable[[Event], None]
_CLOSE = None  # queue sentinel: end the stream


class EventHub:
    def __init__(self, backlog: int = 500, queue_size: int = 1000) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[asyncio.Queue[Event | None], asyncio.AbstractEventLoop] = {}
        self._listeners: list[Listener] = []
        self._backlog: deque[Event] = deque(maxlen=backlog)
        self._queue_size = queue_size
        self._seq = 0

    def add_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def publish(self, event: Event) -> None:
        with self._lock:
            self._seq += 1
            event = {"seq": self._seq, **event}
            self._backlog.append(event)
            subscribers = list(self._subscribers.items())
            listeners = list(self._listeners)
        for queue, loop in subscribers:
            self._offer(queue, loop, event)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a broken test listener must not break the fake API
                log.exception("fake slack listener failed")

    def subscribe(self, after_seq: int | None = None) -> asyncio.Queue[Event | None]:
        """A queue fed with every later event (call from the loop that will read it)."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue(self._queue_size)
        with self._lock:
            if after_seq is not None:
                for event in self._backlog:
                    if event["seq"] > after_seq:
                        queue.put_nowait(event)
            self._subscribers[queue] = asyncio.get_running_loop()
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event | None]) -> None:
        with self._lock:
            self._subscribers.pop(queue, None)

    def close_streams(self) -> None:
        with self._lock:
            subscribers = list(self._subscribers.items())
        for queue, loop in subscribers:
            self._offer(queue, loop, _CLOSE)

    @staticmethod
    def _offer(
        queue: asyncio.Queue[Event | None], loop: asyncio.AbstractEventLoop, item: Event | None
    ) -> None:
        def put() -> None:
            with contextlib.suppress(asyncio.QueueFull):  # a stuck reader just misses events
                queue.put_nowait(item)

        with contextlib.suppress(RuntimeError):  # the subscriber's loop is already closed
            loop.call_soon_threadsafe(put)


def encode(event: Event) -> bytes:
    return f"id: {event['seq']}\ndata: {json.dumps(event, default=str)}\n\n".encode()


class EventStream:
    """ASGI endpoint for `GET /_fake/events` (text/event-stream)."""

    def __init__(self, hub: EventHub, *, max_seconds: float = 5.0, keepalive: float = 15.0) -> None:
        self.hub = hub
        self.max_seconds = max_seconds
        self.keepalive = keepalive

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or [])
        last_id = headers.get(b"last-event-id", b"").decode() or None
        queue = self.hub.subscribe(int(last_id) if last_id and last_id.isdigit() else None)
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/event-stream; charset=utf-8"),
                        (b"cache-control", b"no-cache"),
                        (b"x-accel-buffering", b"no"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b"retry: 500\n\n", "more_body": True})
            pump = asyncio.ensure_future(self._pump(queue, send))
            disconnect = asyncio.ensure_future(self._wait_disconnect(receive))
            done, pending = await asyncio.wait(
                {pump, disconnect}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
            if pump in done and not pump.cancelled() and pump.exception() is None:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self.hub.unsubscribe(queue)

    async def _pump(self, queue: asyncio.Queue[Event | None], send: Any) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_seconds
        while (remaining := deadline - loop.time()) > 0:
            try:
                event = await asyncio.wait_for(queue.get(), min(remaining, self.keepalive))
            except TimeoutError:
                await send(
                    {"type": "http.response.body", "body": b": keepalive\n\n", "more_body": True}
                )
                continue
            if event is _CLOSE:
                return
            await send({"type": "http.response.body", "body": encode(event), "more_body": True})

    @staticmethod
    async def _wait_disconnect(receive: Any) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
