"""`create_playground_app(stack)`: the playground's own Starlette app.

It serves the static page and a small JSON API that turns browser gestures into exactly
what Slack would send (through `SlackDriver`, signed, to the app's /slack/events), reads the
fake workspace, and acts as the venue through the sandbox's control endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.devtools.fake_slack import ClientValidationError, FakeSlack, SlackDriver
from bot.devtools.fake_slack.elements import STATE_KEYS
from bot.devtools.playground.plans import (
    add_simulated_people,
    plan_vote_buttons,
    simulated_votes_target,
)
from bot.devtools.playground.relay import EventRelay
from bot.devtools.playground.snapshot import booking_entry, user_view
from bot.devtools.playground.workspaces import Workspaces

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
COMMAND = "/bookable"
VENUE_STATUSES = frozenset({"confirmed", "declined", "cancelled", "no_show", "completed"})


class Stack(Protocol):
    """What the playground needs from `bot.devtools.stack.LocalStack`."""

    fake: FakeSlack
    signing_secret: str

    @property
    def app_url(self) -> str: ...

    @property
    def sandbox_url(self) -> str: ...


def create_playground_app(
    stack: Stack, *, sse_max_seconds: float = 15.0, workspaces: Workspaces | None = None
) -> Starlette:
    """`workspaces`: the two-workspace playground (each person acts in their own)."""
    # Its own drivers: the stack's driver stays free for tests, and last_errors stay ours.
    drivers: dict[str, SlackDriver] = {}

    def driver_of(user: str | None) -> SlackDriver:
        team = workspaces.team_of(user) if workspaces and user else stack.fake.team_id
        if team not in drivers:
            drivers[team] = SlackDriver(
                stack.fake, stack.app_url, stack.signing_secret, team_id=team
            )
        return drivers[team]

    driver_lock = asyncio.Lock()  # one gesture at a time, like one person clicking
    relay = EventRelay(max_seconds=sse_max_seconds)
    sandbox = httpx.AsyncClient(base_url=stack.sandbox_url.rstrip("/") + "/_control", timeout=10)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stack.fake.add_listener(relay.publish)
        try:
            yield
        finally:
            stack.fake.remove_listener(relay.publish)
            await sandbox.aclose()

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def state(request: Request) -> Response:
        user = request.query_params.get("user", "U_ALICE")
        try:
            only = workspaces.channels_of(user) if workspaces else None
            snapshot = user_view(stack.fake, user, only_channels=only)
        except LookupError as error:
            raise HTTPException(404, str(error)) from error
        snapshot["bookings"] = await _bookings(sandbox)
        return JSONResponse(snapshot)

    async def command(request: Request) -> Response:
        body = await _json(request)
        name = str(body.get("command") or COMMAND)
        if name != COMMAND:
            return _fail(f"{name} is not a valid command here; try {COMMAND} help", 400)
        async with driver_lock:
            driver = driver_of(_str(body, "user"))
            response = await driver.command(
                _str(body, "user"), _str(body, "channel"), str(body.get("text") or ""), name
            )
            return _answer(response, driver)

    async def action(request: Request) -> Response:
        body = await _json(request)
        act = body.get("action")
        if not isinstance(act, dict):
            return _fail("action must be an object", 400)
        user, view_id = _str(body, "user"), body.get("view_id")
        kwargs = {"block_id": act.get("block_id"), **_choice(act)}
        async with driver_lock:
            driver = driver_of(user)
            if view_id:
                _record(stack.fake, str(view_id), body.get("values"))
                response = await driver.click(user, str(view_id), _str(act, "action_id"), **kwargs)
            else:
                message = {"channel": _str(body, "channel"), "ts": _str(body, "message_ts")}
                response = await driver.click(user, message, _str(act, "action_id"), **kwargs)
            return _answer(response, driver)

    async def view_submit(request: Request) -> Response:
        body = await _json(request)
        user, view_id = _str(body, "user"), _str(body, "view_id")
        async with driver_lock:
            driver = driver_of(user)
            _record(stack.fake, view_id, body.get("values"))
            try:
                response = await driver.submit(user, view_id)
            except ClientValidationError as refused:  # Slack's own client-side checks
                return JSONResponse({"ok": True, "errors": refused.errors})
            return _answer(response, driver, errors=driver.last_errors or {})

    async def view_close(request: Request) -> Response:
        body = await _json(request)
        async with driver_lock:
            driver = driver_of(_str(body, "user"))
            response = await driver.close(_str(body, "user"), _str(body, "view_id"))
            return _answer(response, driver) if response is not None else JSONResponse({"ok": True})

    async def options(request: Request) -> Response:
        body = await _json(request)
        if not body.get("view_id"):
            return JSONResponse({"ok": True, "options": []})  # suggestions only in modals here
        async with driver_lock:
            driver = driver_of(_str(body, "user"))
            response = await driver.suggest(
                _str(body, "user"),
                _str(body, "view_id"),
                _str(body, "action_id"),
                _str(body, "block_id"),
                str(body.get("value") or ""),
            )
            found = driver.last_options if isinstance(driver.last_options, dict) else {}
            listed = list(found.get("options") or [])
            for group in found.get("option_groups") or []:
                listed += list(group.get("options") or [])
            return _answer(response, driver, options=listed)

    async def post_message(request: Request) -> Response:
        """A person's plain message (something to run a message shortcut on)."""
        body = await _json(request)
        text = str(body.get("text") or "").strip()[:4000]
        if not text:
            return _fail("text is required", 400)
        stack.fake.post_as_user(_str(body, "user"), _str(body, "channel"), text)
        return JSONResponse({"ok": True})

    async def home_open(request: Request) -> Response:
        body = await _json(request)
        async with driver_lock:
            driver = driver_of(_str(body, "user"))
            return _answer(await driver.open_home(_str(body, "user")), driver)

    async def shortcut(request: Request) -> Response:
        """A global shortcut, or with `channel` and `message_ts` a message shortcut."""
        body = await _json(request)
        user, callback_id = _str(body, "user"), _str(body, "callback_id")
        async with driver_lock:
            driver = driver_of(user)
            if body.get("message_ts"):
                message = {"channel": _str(body, "channel"), "ts": _str(body, "message_ts")}
                response = await driver.message_shortcut(user, message, callback_id)
            else:
                response = await driver.shortcut(user, callback_id)
            return _answer(response, driver)

    async def bookings(request: Request) -> Response:
        return JSONResponse({"ok": True, "bookings": await _bookings(sandbox)})

    async def booking_status(request: Request) -> Response:
        body = await _json(request)
        status = str(body.get("status") or "")
        if status not in VENUE_STATUSES:
            return _fail(f"status must be one of {', '.join(sorted(VENUE_STATUSES))}", 400)
        booking_id = request.path_params["booking_id"]
        response = await sandbox.post(f"/bookings/{booking_id}/status", json={"status": status})
        relay.publish({"type": "bookings.changed"})
        if response.is_error:
            return _fail(_problem_text(response), response.status_code)
        return JSONResponse({"ok": True})

    async def skip_to_next(path: str) -> Response:
        """Skip the app's clock to the next due time at `path` (`/_dev/...`, BOOKABLE_ENV=
        local) and run what is then due; the app's answer."""
        async with httpx.AsyncClient(base_url=stack.app_url, timeout=30) as app:
            response = await app.post(path, json={"to": "next"})
        if response.is_error:
            return _fail(_problem_text(response), response.status_code)
        return JSONResponse(response.json())

    async def next_reminder(request: Request) -> Response:
        """Skip the app's clock to the next reminder and send it."""
        return await skip_to_next("/_dev/reminders/run")

    async def simulate_plan(request: Request) -> Response:
        """Simulated people vote on the newest team meal plan in a channel, each clicking
        I'm in on an option in turn, as their own signed Slack click."""
        body = await _json(request)
        channel = str(body.get("channel") or "C_GENERAL")
        count = body.get("people", 5)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 50:
            return _fail("people must be a whole number from 1 to 50", 400)
        try:
            plan = simulated_votes_target(stack.fake, channel)
        except LookupError as error:
            return _fail(str(error), 404)
        people = add_simulated_people(stack.fake, channel, count)
        votes = plan_vote_buttons(plan)
        async with driver_lock:
            driver = driver_of(None)
            for n, person in enumerate(people):
                button = votes[n % len(votes)]
                await driver.click(person, plan, button["action_id"], value=button["value"],
                                   channel_id=channel)  # fmt: skip
        return JSONResponse({"ok": True, "voted": len(people)})

    async def plan_deadline(request: Request) -> Response:
        """Skip the app's clock to the next plan deadline and book its winner."""
        return await skip_to_next("/_dev/plans/run")

    routes = [
        Route("/", index),
        Route("/api/state", state),
        Route("/api/events", relay.stream),
        Route("/api/command", command, methods=["POST"]),
        Route("/api/action", action, methods=["POST"]),
        Route("/api/view/submit", view_submit, methods=["POST"]),
        Route("/api/view/close", view_close, methods=["POST"]),
        Route("/api/options", options, methods=["POST"]),
        Route("/api/message", post_message, methods=["POST"]),
        Route("/api/home/open", home_open, methods=["POST"]),
        Route("/api/shortcut", shortcut, methods=["POST"]),
        Route("/api/venue/bookings", bookings),
        Route("/api/venue/bookings/{booking_id}/status", booking_status, methods=["POST"]),
        Route("/api/reminders/next", next_reminder, methods=["POST"]),
        Route("/api/plans/simulate", simulate_plan, methods=["POST"]),
        Route("/api/plans/deadline", plan_deadline, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            HTTPException: _http_error,
            LookupError: _not_found,
            ValueError: _bad_request,
        },
    )
    app.state.relay = relay
    return app


# --- helpers -----------------------------------------------------------------------------


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as error:
        raise HTTPException(400, "the body must be JSON") from error
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return body


def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise HTTPException(400, f"{key} is required")
    return value


def _choice(action: dict[str, Any]) -> dict[str, Any]:
    """What the user picked, as `SlackDriver.click` takes it (None: a button's own value)."""
    kind = action.get("type")
    if kind == "overflow":
        return {"selected_option": action.get("selected_option")}
    key = STATE_KEYS.get(str(kind))
    return {"value": action.get(key)} if key else {}


def _record(fake: FakeSlack, view_id: str, values: Any) -> None:
    """Store the modal's current input (Slack's client sends it with every interaction)."""
    if not isinstance(values, dict):
        return
    for block_id, actions in values.items():
        for action_id, entry in (actions or {}).items():
            if isinstance(entry, dict) and entry.get("type") in STATE_KEYS:
                fake.set_view_value(view_id, str(block_id), str(action_id), entry)


def _answer(response: httpx.Response, driver: SlackDriver, **extra: Any) -> Response:
    """What the browser needs to know about the app's ack."""
    if driver.last_problem:
        return _fail(f"Slack would report: {driver.last_problem}", 502)
    if response.status_code != 200:
        return _fail(f"the app answered HTTP {response.status_code}", 502)
    return JSONResponse({"ok": True, **extra})


async def _bookings(sandbox: httpx.AsyncClient) -> list[dict[str, Any]]:
    try:
        response = await sandbox.get("/state")
        response.raise_for_status()
    except httpx.HTTPError:
        log.warning("the local sandbox did not answer /_control/state")
        return []
    listed = response.json().get("bookings") or []
    return [booking_entry(b) for b in sorted(listed, key=_created, reverse=True)]


def _created(booking: dict[str, Any]) -> str:
    return str(booking.get("createdDate") or "")


def _problem_text(response: httpx.Response) -> str:
    try:
        problem = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(problem, dict):
        return str(problem.get("detail") or problem.get("title") or problem.get("error") or "")
    return f"HTTP {response.status_code}"


def _fail(message: str, status: int) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return _fail(error.detail, error.status_code)


async def _not_found(request: Request, error: Exception) -> Response:
    return _fail(str(error) or "not found", 404)


async def _bad_request(request: Request, error: Exception) -> Response:
    return _fail(str(error) or "bad request", 400)
