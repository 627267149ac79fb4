"""`create_sandbox_app(state)`: the Starlette app that plays Bookable on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.sandbox.auth import Gateway
from bot.sandbox.bookings import BookingApi
from bot.sandbox.control import ControlApi
from bot.sandbox.feeds import FEED_PATH, FeedApi
from bot.sandbox.problems import Problem
from bot.sandbox.state import SandboxConfig, SandboxState
from bot.sandbox.venues import VenueApi
from bot.sandbox.webhooks import WebhookApi

READ, BOOK, MANAGE_WEBHOOKS = "venue:read", "venue-booking:create", "webhook:manage"


async def _problem_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return exc.response()


def create_sandbox_app(state: SandboxState | None = None) -> Starlette:
    state = state or SandboxState()
    gate = Gateway(state)
    venues = VenueApi(state)
    bookings = BookingApi(state, venues)
    hooks = WebhookApi(state)
    control = ControlApi(state)
    feeds = FeedApi(state)
    guard = gate.guard
    booking_path = "/venues/bookings/{bookingId}"
    routes = [
        Route("/oauth/token", gate.token, methods=["POST"]),
        Route("/venues", guard(READ, venues.search), methods=["GET"]),
        Route(booking_path, guard(READ, bookings.get), methods=["GET"]),
        Route(booking_path, guard(BOOK, bookings.patch), methods=["PATCH"]),
        Route(booking_path, guard(BOOK, bookings.cancel), methods=["DELETE"]),
        Route("/venues/{compositeId}/availability", guard(READ, venues.availability)),
        Route("/venues/{compositeId}/booking", guard(BOOK, bookings.create), methods=["POST"]),
        Route("/venues/{venueId}", guard(READ, venues.get), methods=["GET"]),
        Route("/webhooks", guard(MANAGE_WEBHOOKS, hooks.register), methods=["POST"]),
        Route("/webhooks", guard(MANAGE_WEBHOOKS, hooks.update), methods=["PUT"]),
        Route("/webhooks", guard(MANAGE_WEBHOOKS, hooks.delete), methods=["DELETE"]),
        Route("/webhooks/test", guard(MANAGE_WEBHOOKS, hooks.test), methods=["POST"]),
        Route(FEED_PATH, feeds.feed, methods=["GET"]),  # no token, no rate limit (§9)
        Route("/_control/state", control.snapshot, methods=["GET"]),
        Route("/_control/knobs", control.knobs, methods=["POST"]),
        Route("/_control/clock", control.clock, methods=["POST"]),
        Route("/_control/bookings/{bookingId}/status", control.booking_status, methods=["POST"]),
        Route("/_control/revoke-tokens", control.revoke_tokens, methods=["POST"]),
        Route("/_control/venues", control.add_venue, methods=["POST"]),
        Route("/_control/clients", control.add_client, methods=["POST"]),
        Route("/_control/reset", control.reset, methods=["POST"]),
        Route("/_control/deliveries/wait", control.wait_deliveries, methods=["POST"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Runs when served alone; when mounted, the host app's lifespan runs instead.
        yield
        await state.aclose()

    app = Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={Problem: _problem_response}
    )
    app.state.sandbox = state
    return app


async def run_sandbox(
    host: str = "127.0.0.1", port: int = 8765, config: SandboxConfig | None = None
) -> None:
    """Serve the sandbox alone until cancelled (`bookable-bot sandbox`)."""
    app = create_sandbox_app(SandboxState(config))
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    )
    await server.serve()
