"""`FakeSlack`: a Starlette app that answers like Slack's Web API, plus inspection helpers.

State lives in plain Python objects behind one lock, so tests in another thread can read
it while uvicorn serves the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.devtools.fake_slack.control import control_routes
from bot.devtools.fake_slack.directory import Channel, User
from bot.devtools.fake_slack.events import EventHub, EventStream, Listener
from bot.devtools.fake_slack.faults import Fault, FaultBook, TokenBuckets
from bot.devtools.fake_slack.messages import SlackError
from bot.devtools.fake_slack.oauth import OAUTH_ACCESS_METHOD, Grant, OAuthGrants
from bot.devtools.fake_slack.responses import ERROR_STATUS, post_to_response_url
from bot.devtools.fake_slack.views import TRIGGER_TTL
from bot.devtools.fake_slack.webapi import METHODS
from bot.devtools.fake_slack.wire import RecordedCall, bearer_token, read_args
from bot.devtools.fake_slack.workspace import Workspace

log = logging.getLogger(__name__)
T = TypeVar("T")

RESPONSE_URL_METHOD = "response_url"  # how response_url posts appear in `calls`
SOCKET_MODE_METHOD = "apps.connections.open"  # authorised by the app-level token
_TEXT_FIELDS = ("text", "blocks", "attachments", "view", "metadata")


class FakeSlack:
    def __init__(
        self,
        bot_token: str = "xoxb-fake-token",
        signing_secret: str = "fake-signing-secret",
        team_id: str = "T0PLAYGRND",
        rate_per_channel: float | None = None,
        burst: int = 3,
        *,
        clock: Callable[[], float] = time.monotonic,
        trigger_ttl: float = TRIGGER_TTL,
        sse_max_seconds: float = 5.0,
        app_token: str | None = None,
        client_id: str = "fake-client-id",
        client_secret: str = "fake-client-secret",
        token_rotation_seconds: int | None = None,
    ) -> None:
        """`client_id`/`client_secret`: the app's OAuth credentials (`oauth.v2.access`);
        `token_rotation_seconds`: issued bot tokens expire after that, with refresh tokens."""
        self.bot_token = bot_token
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.rate_per_channel = rate_per_channel
        self.burst = burst
        self.base_url: str | None = None  # set once the server runs: fake.base_url = server.url
        self.app_token = app_token
        self.socket_mode_url: str | None = None  # ws:// URL that apps.connections.open returns
        self.rate_limited_count = 0
        self._lock = threading.RLock()
        self._hub = EventHub()
        self._workspace = Workspace(team_id, self._hub.publish, clock, trigger_ttl)
        self._faults = FaultBook()
        self._buckets = TokenBuckets(clock)
        self._calls: list[RecordedCall] = []
        self.oauth = OAuthGrants(
            client_id, client_secret, rotation_seconds=token_rotation_seconds, clock=time.time
        )
        self._app_output: list[str] = []
        self.app = Starlette(
            routes=[
                Route("/api/{method}", self._api_endpoint, methods=["GET", "POST"]),
                Route("/oauth/v2/authorize", self._authorize_endpoint, methods=["GET"]),
                Route("/response/{token}", self._response_url_endpoint, methods=["POST"]),
                Route("/_fake/events", EventStream(self._hub, max_seconds=sse_max_seconds)),
                *control_routes(self),
            ]
        )

    def __repr__(self) -> str:  # never show the token or signing secret
        return f"FakeSlack(team_id={self.team_id!r}, base_url={self.base_url!r})"

    # --- Web API over HTTP --------------------------------------------------------------

    async def _api_endpoint(self, request: Request) -> Response:
        method = request.path_params["method"]
        try:
            args = await read_args(request)
        except ValueError:
            return self._answer(method, {}, 200, {"ok": False, "error": "invalid_json"})
        if method == OAUTH_ACCESS_METHOD:
            return self._oauth_access(args, request.headers.get("authorization", ""))
        token = bearer_token(request) or args.pop("token", None)
        if not token:
            return self._answer(method, args, 200, {"ok": False, "error": "not_authed"})
        if method == SOCKET_MODE_METHOD:
            return self._open_socket_mode(args, str(token))
        grant = self._grant(str(token))
        if isinstance(grant, str):
            return self._answer(method, args, 200, {"ok": False, "error": grant}, token=token)
        team = grant.team_id if grant is not None else self.team_id
        with self._lock:
            fault = self._faults.take(method)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.fails:
            status, body, headers = fault.answer()
            return self._answer(method, args, status, body, headers, token=str(token), team=team)
        if self._rate_limited(method, args):
            body = {"ok": False, "error": "ratelimited"}
            return self._answer(
                method, args, 429, body, {"Retry-After": "1"}, token=str(token), team=team
            )
        handler = METHODS.get(method)
        if handler is None:
            body = {"ok": False, "error": "unknown_method"}
            return self._answer(method, args, 200, body, token=str(token), team=team)
        with self._lock:  # the change and its recorded call become visible together
            views = self._workspace.views
            views.team_id = team or self.team_id  # a view belongs to the caller's workspace
            try:
                status, body = self._run(lambda: {"ok": True, **handler(self._workspace, args)})
            finally:
                views.team_id = self.team_id
            if method == "auth.test" and grant is not None and body.get("ok"):
                body |= {
                    "team_id": grant.team_id,
                    "enterprise_id": grant.enterprise_id,
                    "is_enterprise_install": grant.is_enterprise_install,
                }
            return self._answer(method, args, status, body, token=str(token), team=team)

    def _grant(self, token: str) -> Grant | str | None:
        """The seed token (None: the fake's own workspace), an issued token's grant, or
        the error Slack would answer."""
        if hmac.compare_digest(token.encode(), self.bot_token.encode()):
            return None
        with self._lock:
            try:
                grant = self.oauth.grant_for(token)
            except SlackError as error:
                return error.error
        return grant if grant is not None else "invalid_auth"

    def _oauth_access(self, args: dict[str, Any], authorization: str) -> Response:
        with self._lock:
            status, body = self._run(lambda: {"ok": True, **self.oauth.access(args, authorization)})
            team = (body.get("team") or {}).get("id") if body.get("ok") else None
            return self._answer(OAUTH_ACCESS_METHOD, args, status, body, team=team)

    async def _authorize_endpoint(self, request: Request) -> Response:
        """Slack's consent page, consented at once: back to the app's redirect URL."""
        with self._lock:
            try:
                location = self.oauth.authorize(dict(request.query_params))
            except SlackError as error:
                return JSONResponse({"ok": False, "error": error.error}, status_code=400)
        return RedirectResponse(location, status_code=302)

    def install(
        self,
        team_id: str,
        *,
        enterprise_id: str | None = None,
        org_wide: bool = False,
        user_id: str = "U_ALICE",
    ) -> None:
        """Who consents on the next authorize page (a workspace, or an org-wide install)."""
        with self._lock:
            self.oauth.next_consent = {
                "team_id": team_id, "enterprise_id": enterprise_id, "org_wide": org_wide,
                "user_id": user_id,
            }  # fmt: skip

    def uninstall(self, team_id: str | None = None, enterprise_id: str | None = None) -> None:
        """Slack revokes the workspace's (or org's) tokens; the app hears app_uninstalled."""
        with self._lock:
            self.oauth.revoke(team_id, enterprise_id)

    def calls_with_team(self, team_id: str, method: str | None = None) -> list[RecordedCall]:
        """Calls whose token belongs to `team_id` (optionally of one method)."""
        return [
            call for call in self.calls
            if call.team_id == team_id and (method is None or call.method == method)
        ]  # fmt: skip

    def _open_socket_mode(self, args: dict[str, Any], token: str) -> Response:
        """`apps.connections.open` takes the app-level token and hands out a WebSocket URL
        (`socket_mode_url`, served by whoever plays Slack's Socket Mode side)."""
        if self.app_token is None or not hmac.compare_digest(
            token.encode(), self.app_token.encode()
        ):
            return self._answer(
                SOCKET_MODE_METHOD, args, 200, {"ok": False, "error": "invalid_auth"}
            )
        if self.socket_mode_url is None:
            body = {"ok": False, "error": "socket_mode_not_enabled"}
            return self._answer(SOCKET_MODE_METHOD, args, 200, body)
        return self._answer(
            SOCKET_MODE_METHOD, args, 200, {"ok": True, "url": self.socket_mode_url}
        )

    async def _response_url_endpoint(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            payload = json.loads(await request.body() or b"{}")
        except ValueError:
            return self._answer(
                RESPONSE_URL_METHOD, {}, 400, {"ok": False, "error": "invalid_payload"}
            )
        args = payload if isinstance(payload, dict) else {"payload": payload}
        with self._lock:
            fault = self._faults.take(RESPONSE_URL_METHOD)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.fails:
            status, body, headers = fault.answer()
            return self._answer(RESPONSE_URL_METHOD, args, status, body, headers)
        with self._lock:
            status, body = self._run(
                lambda: {"ok": True, **post_to_response_url(self._workspace, token, payload)}
            )
            if not body["ok"]:
                status = ERROR_STATUS.get(body["error"], 400)
            return self._answer(RESPONSE_URL_METHOD, args, status, body)

    def _run(self, call: Callable[[], dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            try:
                return 200, call()
            except SlackError as error:
                return 200, {"ok": False, "error": error.error, **error.extra}
            except Exception:  # a bug in the fake: answer like a Slack outage, and say why
                log.exception("fake slack failed")
                return 500, {"ok": False, "error": "internal_error"}

    def _rate_limited(self, method: str, args: dict[str, Any]) -> bool:
        if method != "chat.postMessage" or not self.rate_per_channel:
            return False
        with self._lock:
            try:
                channel_id = self._workspace.channel(args.get("channel")).id
            except SlackError:
                return False  # the handler answers channel_not_found
            if self._buckets.allow(channel_id, self.rate_per_channel, self.burst):
                return False
            self.rate_limited_count += 1
            return True

    def _answer(
        self,
        method: str,
        args: dict[str, Any],
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
        *,
        token: str | None = None,
        team: str | None = None,
    ) -> Response:
        call = RecordedCall(
            method, copy.deepcopy(args), time.time(), body, status, dict(headers or {}),
            token=token, team_id=team,
        )  # fmt: skip
        with self._lock:
            self._calls.append(call)
        return JSONResponse(body, status_code=status, headers=headers)

    # --- faults -------------------------------------------------------------------------

    def inject(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int | None = None,
        retry_after: int | None = None,
        count: int = 1,
        delay: float = 0.0,
    ) -> None:
        """The next `count` calls to `method` ("*" = any; "response_url") fail or stall."""
        with self._lock:
            self._faults.add(method, Fault(error, status, retry_after, count, delay))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # --- what the driver (Slack's client side) needs -------------------------------------

    def issue_trigger_id(self, user_id: str) -> str:
        with self._lock:
            return self._workspace.views.issue_trigger(user_id)

    def new_response_url(self, channel_id: str, user_id: str, message_ts: str | None = None) -> str:
        """A response_url for an interaction in `channel_id`; `message_ts` is the original."""
        if self.base_url is None:
            raise RuntimeError("set fake.base_url = server.url once the fake Slack is serving")
        with self._lock:
            token = self._workspace.new_response_url(channel_id, user_id, message_ts)
        return f"{self.base_url.rstrip('/')}/response/{token}"

    def set_view_value(
        self, view_id: str, block_id: str, action_id: str, entry: dict[str, Any]
    ) -> None:
        with self._lock:
            self._workspace.views.set_value(view_id, block_id, action_id, entry)

    def replace_view(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """`response_action: update` from a view_submission."""
        with self._lock:
            return self._workspace.views.replace(view_id, view).to_api()

    def push_view(self, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """`response_action: push` from a view_submission."""
        with self._lock:
            return self._workspace.views.push(user_id, view).to_api()

    def close_view(self, view_id: str) -> list[str]:
        """The user closed (or the app's empty ack closed) a view; returns closed view ids."""
        with self._lock:
            return [record.id for record in self._workspace.views.close(view_id)]

    def clear_views(self, user_id: str) -> None:
        with self._lock:
            self._workspace.views.clear_stack(user_id)

    def show_interaction_response(
        self, channel_id: str, user_id: str, body: dict[str, Any], response_url: str | None = None
    ) -> None:
        """Slack shows a slash command's ack body as a message (ephemeral by default); the
        command's `response_url` can then replace it (`replace_original`)."""
        in_channel = body.get("response_type") == "in_channel"
        token = response_url.rstrip("/").rsplit("/", 1)[-1] if response_url else None
        with self._lock:
            record = self._workspace.response_urls.get(token) if token else None
            if record is not None and record.ack_replaced:
                return
            shown = self._workspace.messages.post(
                channel_id,
                text=str(body.get("text") or ""),
                blocks=body.get("blocks") or None,
                ephemeral_to=None if in_channel else user_id,
            )
            if record is not None and record.message_ts is None:
                record.message_ts = shown.ts

    def post_as_user(self, user_id: str, channel: str, text: str) -> dict[str, Any]:
        """A person posts in a channel (e.g. a message to run a message shortcut on);
        `LookupError` for a user or channel the workspace does not have."""
        with self._lock:
            try:
                author = self._workspace.user(user_id)
                where = self._workspace.channel(channel)
            except SlackError as error:
                raise LookupError(f"{error.error}: {user_id!r} in {channel!r}") from None
            posted = self._workspace.messages.post(where.id, text=text, user=author.id)
            return posted.to_inspect(self.team_id)

    def note_app_output(self, text: str) -> None:
        """Remember something the app answered the driver, for `all_posted_texts()`."""
        with self._lock:
            self._app_output.append(text)

    # --- inspection for tests -----------------------------------------------------------

    @property
    def workspace(self) -> Workspace:
        """Direct access for the driver and advanced tests; hold `fake.lock` while using it."""
        return self._workspace

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return copy.deepcopy(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return copy.deepcopy([call for call in self._calls if call.method == method])

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Top-level messages in order, ephemeral ones included (see `ephemeral_to`)."""
        with self._lock:
            channel_id = self._channel_id(channel)
            return [
                m.to_inspect(self.team_id) for m in self._workspace.messages.top_level(channel_id)
            ]

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """Replies under the message `ts`, oldest first (the parent itself is not included)."""
        with self._lock:
            channel_id = self._channel_id(channel)
            return [
                m.to_inspect(self.team_id) for m in self._workspace.messages.replies(channel_id, ts)
            ]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._workspace.messages.get(self._channel_id(channel), ts)
            return found.to_inspect(self.team_id) if found else None

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Every view by id (closed ones too, with `is_open` False), incl. `state.values`."""
        with self._lock:
            return {r.id: self._view_json(r) for r in self._workspace.views.all()}

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self._lock:
            record = self._workspace.views.get(view_id)
            return self._view_json(record) if record else None

    def current_view(self, user_id: str) -> dict[str, Any] | None:
        """The modal on top of the user's stack, if one is open."""
        with self._lock:
            stack = self._workspace.views.stack(user_id)
            return self._view_json(stack[-1]) if stack else None

    def view_stack(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [self._view_json(r) for r in self._workspace.views.stack(user_id)]

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            record = self._workspace.views.home(user_id)
            return self._view_json(record) if record else None

    def all_posted_texts(self) -> list[str]:
        """Every text, blocks, attachments, view and metadata the app sent, as strings."""
        with self._lock:
            texts = list(self._app_output)
            for call in self._calls:
                for name in _TEXT_FIELDS:
                    value = call.args.get(name)
                    if value in (None, ""):
                        continue
                    texts.append(
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
            return texts

    def state(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._workspace.snapshot())

    def reset(self) -> None:
        """Back to the seed workspace: no messages, views, calls, faults or rate history."""
        with self._lock:
            self._workspace.reset()
            self._faults.clear()
            self._buckets.clear()
            self._calls.clear()
            self._app_output.clear()
            self.rate_limited_count = 0

    def user(self, user_id: str) -> User | None:
        with self._lock:
            user = self._workspace.users.get(user_id)
            return dataclasses.replace(user) if user else None

    def channel(self, ref: str) -> Channel | None:
        """By id, `#name`, name, or user id (their DM)."""
        with self._lock:
            try:
                return dataclasses.replace(self._workspace.channel(ref))
            except SlackError:
                return None

    def add_user(self, user: User) -> None:
        with self._lock:
            self._workspace.add_user(user)

    def add_channel(self, channel: Channel) -> None:
        with self._lock:
            self._workspace.add_channel(channel)

    def add_listener(self, listener: Listener) -> None:
        """`listener(event)` runs on every state change, in the thread that made it."""
        self._hub.add_listener(listener)

    def remove_listener(self, listener: Listener) -> None:
        self._hub.remove_listener(listener)

    def close_streams(self) -> None:
        """End open `/_fake/events` streams now (call before stopping the server)."""
        self._hub.close_streams()

    async def wait_for(self, predicate: Callable[[], T | None], within: float = 5.0) -> T:
        """Wait until `predicate()` is truthy and return it (the app works asynchronously).

        Re-checks on every state change, and every 50 ms for anything that is not one.
        """
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()

        def wake(_event: dict[str, Any]) -> None:
            with contextlib.suppress(RuntimeError):  # the waiting loop has finished
                loop.call_soon_threadsafe(changed.set)

        self.add_listener(wake)
        try:
            async with asyncio.timeout(within):
                while not (result := predicate()):
                    changed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), 0.05)
                return result
        except TimeoutError:
            raise TimeoutError(f"condition not met within {within} s") from None
        finally:
            self.remove_listener(wake)

    def _channel_id(self, channel: str) -> str:
        try:
            return self._workspace.channel(channel).id
        except SlackError:
            return channel

    @staticmethod
    def _view_json(record: Any) -> dict[str, Any]:
        return {**record.to_api(), "user_id": record.user_id, "is_open": record.is_open}
