"""HTTP inspection and control of the fake (`/_fake/*`), for the playground and other processes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.devtools.fake_slack.faults import Fault

if TYPE_CHECKING:
    from bot.devtools.fake_slack.server import FakeSlack


def control_routes(fake: FakeSlack) -> list[Route]:
    async def calls(request: Request) -> Response:
        method = request.query_params.get("method")
        found = fake.calls_to(method) if method else fake.calls
        return JSONResponse([call.to_json() for call in found])

    async def messages(request: Request) -> Response:
        """Top-level messages with their `replies`; all channels unless `?channel=`."""
        channel = request.query_params.get("channel")
        with fake.lock:
            names = [channel] if channel else list(fake.workspace.channels)
            found = {
                name: [{**m, "replies": fake.thread(name, m["ts"])} for m in fake.messages(name)]
                for name in names
            }
        return JSONResponse(found[channel] if channel else found)

    async def state(request: Request) -> Response:
        return JSONResponse({**fake.state(), "rate_limited_count": fake.rate_limited_count})

    async def faults(request: Request) -> Response:
        """POST the same fields as `FakeSlack.inject` plus `method`; DELETE clears them all."""
        if request.method == "DELETE":
            fake.clear_faults()
            return JSONResponse({"ok": True})
        try:
            method, fault = Fault.from_json(await request.json())
        except (ValueError, KeyError, TypeError) as error:
            return JSONResponse({"ok": False, "error": f"bad fault: {error}"}, status_code=400)
        fake.inject(
            method,
            error=fault.error,
            status=fault.status,
            retry_after=fault.retry_after,
            count=fault.count,
            delay=fault.delay,
        )
        return JSONResponse({"ok": True})

    async def reset(request: Request) -> Response:
        fake.reset()
        return JSONResponse({"ok": True})

    return [
        Route("/_fake/calls", calls, methods=["GET"]),
        Route("/_fake/messages", messages, methods=["GET"]),
        Route("/_fake/state", state, methods=["GET"]),
        Route("/_fake/faults", faults, methods=["POST", "DELETE"]),
        Route("/_fake/reset", reset, methods=["POST"]),
    ]
