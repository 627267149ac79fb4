"""`SlackDriver`: plays Slack's client side against the app, over real signed HTTP.

It sends slash commands, block actions, view submissions, suggestions and events exactly
as Slack does (form bodies, `payload=` JSON, `X-Slack-Signature` over the raw bytes), and
applies the app's answers the way Slack's client would (modals close, update, push, show
errors). Modal state lives in the fake, where the app's `views.*` calls also land.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from bot.devtools.fake_slack.directory import APP_ID, TEAM_DOMAIN, Channel, User, dm_channel_id
from bot.devtools.fake_slack.elements import Located, find_element
from bot.devtools.fake_slack.payloads import (
    VERIFICATION_TOKEN,
    action_payload,
    as_sent,
    client_side_errors,
    interaction_base,
    message_state,
    normalise_choice,
    response_action_problem,
    slack_escape,
)
from bot.devtools.fake_slack.server import FakeSlack
from bot.devtools.fake_slack.validation import MESSAGE_BLOCK_LIMIT, block_errors, view_errors

ACK_DEADLINE = 3.0  # Slack gives up on an ack after 3 s
_FORGER = SignatureVerifier("not-the-signing-secret")


class ClientValidationError(Exception):
    """Slack's client would not send this view_submission (e.g. a required field is empty)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"Slack would not submit this view: {errors}")
        self.errors = errors


class SlackDriver:
    def __init__(
        self,
        fake: FakeSlack,
        app_url: str,
        signing_secret: str,
        *,
        path: str = "/slack/events",
        ack_deadline: float = ACK_DEADLINE,
        http_timeout: float = 10.0,
        team_id: str | None = None,
        enterprise_id: str | None = None,
        org_wide: bool = False,
    ) -> None:
        """`team_id` (default: the fake's) and `enterprise_id` say which workspace (and
        Enterprise Grid org) the requests come from; `org_wide` as for an org-wide install."""
        self.team_id = team_id or fake.team_id
        self.enterprise_id = enterprise_id
        self.org_wide = org_wide
        base = app_url.rstrip("/")
        self.url = base if base.endswith(path) else base + path
        self.fake = fake
        self.ack_deadline = ack_deadline
        self.http_timeout = http_timeout
        self._signer = SignatureVerifier(signing_secret)
        self._suggested: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.last_response: httpx.Response | None = None
        self.last_ack_seconds: float | None = None
        self.last_errors: dict[str, str] | None = None  # response_action=errors, by block_id
        self.last_problem: str | None = None  # what Slack would show instead of the app's answer
        self._last_sent: tuple[bytes, str] = (b"", "")  # body, content type (for redeliver)
        self.last_options: dict[str, Any] | None = None  # the last block_suggestion answer

    def __repr__(self) -> str:  # never show the signing secret
        return f"SlackDriver(url={self.url!r})"

    # --- slash commands -------------------------------------------------------------------

    async def command(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        command: str = "/bookable",
        *,
        signed: bool = True,
        timestamp: int | None = None,
    ) -> httpx.Response:
        user, channel = self._user(user_id), self._channel(channel_id)
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": TEAM_DOMAIN,
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
            "channel_id": channel.id,
            "channel_name": channel.name,
            "user_id": user.id,
            "user_name": user.name,
            "command": command,
            "text": slack_escape(text),
            "api_app_id": APP_ID,
            "is_enterprise_install": "true" if self.org_wide else "false",
            "response_url": self.fake.new_response_url(channel.id, user.id),
            "trigger_id": self.fake.issue_trigger_id(user.id),
        }
        body = urlencode(fields).encode()
        response = await self._send(body, "application/x-www-form-urlencoded", signed, timestamp)
        self._show_command_ack(response, channel, user, fields["response_url"])
        return response

    def _show_command_ack(
        self, response: httpx.Response, channel: Channel, user: User, response_url: str
    ) -> None:
        """Slack displays a non-empty ack body as a message (ephemeral unless in_channel)."""
        if self.last_problem is not None or not response.content.strip():
            return
        try:
            answer = response.json()
        except ValueError:
            answer = {"text": response.text}
        if not isinstance(answer, dict) or not (answer.get("text") or answer.get("blocks")):
            return
        problems = block_errors(answer.get("blocks") or [], limit=MESSAGE_BLOCK_LIMIT)
        if problems:
            self.last_problem = f"invalid blocks in the command's ack: {problems}"
            return
        self.fake.show_interaction_response(channel.id, user.id, answer, response_url)

    # --- block actions ------------------------------------------------------------------

    async def click(
        self,
        user_id: str,
        message_or_view: dict[str, Any] | str,
        action_id: str,
        *,
        value: Any = None,
        selected_option: Any = None,
        block_id: str | None = None,
        channel_id: str | None = None,
        signed: bool = True,
        timestamp: int | None = None,
    ) -> httpx.Response:
        """Click a button or pick from a menu in a message, or in a view (dict or view id).

        `selected_option` may be an option dict or just its value.
        """
        choice = selected_option if selected_option is not None else value
        target = message_or_view
        if isinstance(target, str) or "ts" not in target:
            view_id = target if isinstance(target, str) else str(target["id"])
            return await self._view_action(
                user_id, view_id, action_id, block_id, choice, signed, timestamp
            )
        channel = self._channel(channel_id or str(target.get("channel", "")))
        message = self.fake.message(channel.id, str(target["ts"]))
        if message is None:
            raise LookupError(f"message {target['ts']} no longer exists in {channel.id}")
        located = self._element(message.get("blocks") or [], action_id, block_id)
        key, picked = self._choice(located, choice, None)
        payload = self._base("block_actions", user_id)
        payload.update(
            container={
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel.id,
                "is_ephemeral": bool(message["ephemeral_to"]),
            },
            trigger_id=self.fake.issue_trigger_id(user_id),
            channel={"id": channel.id, "name": channel.name},
            state=message_state(message.get("blocks") or [], located, key, picked),
            response_url=self.fake.new_response_url(channel.id, user_id, message["ts"]),
            actions=[action_payload(located, key, picked)],
        )
        if not message["ephemeral_to"]:  # Slack omits the message for ephemeral ones
            payload["message"] = as_sent(message)
        return await self._send_payload(payload, signed, timestamp)

    async def _view_action(
        self,
        user_id: str,
        view_id: str,
        action_id: str,
        block_id: str | None,
        choice: Any,
        signed: bool,
        timestamp: int | None,
    ) -> httpx.Response:
        view = self._open_view(view_id)
        located = self._element(view["blocks"], action_id, block_id)
        key, picked = self._record_choice(view_id, located, choice)
        return await self._send_view_action(
            user_id, view_id, located, key, picked, signed, timestamp
        )

    async def _send_view_action(
        self,
        user_id: str,
        view_id: str,
        located: Located,
        key: str | None,
        picked: Any,
        signed: bool,
        timestamp: int | None,
    ) -> httpx.Response:
        payload = self._base("block_actions", user_id)
        payload.update(
            container={"type": "view", "view_id": view_id},
            trigger_id=self.fake.issue_trigger_id(user_id),
            view=as_sent(self._open_view(view_id)),
            actions=[action_payload(located, key, picked)],
        )
        return await self._send_payload(payload, signed, timestamp)

    # --- modal input --------------------------------------------------------------------

    async def type_value(
        self, view_id: str, block_id: str, action_id: str, value: str | int | float
    ) -> httpx.Response | None:
        return await self._input(view_id, block_id, action_id, value)

    async def select_date(
        self, view_id: str, block_id: str, action_id: str, value: Any
    ) -> httpx.Response | None:
        """`value`: a `datetime.date` or "YYYY-MM-DD"."""
        return await self._input(view_id, block_id, action_id, value)

    async def choose_option(
        self, view_id: str, block_id: str, action_id: str, value: Any
    ) -> httpx.Response | None:
        """`value`: an option's value (looked up in the element or the last suggestions) or dict."""
        return await self._input(view_id, block_id, action_id, value)

    async def choose_options(
        self, view_id: str, block_id: str, action_id: str, values: list[Any]
    ) -> httpx.Response | None:
        """Checkboxes and multi-selects."""
        return await self._input(view_id, block_id, action_id, list(values))

    async def _input(
        self, view_id: str, block_id: str, action_id: str, raw: Any
    ) -> httpx.Response | None:
        """Change an element's value; Slack sends block_actions only for dispatching elements."""
        view = self._open_view(view_id)
        located = self._element(view["blocks"], action_id, block_id)
        key, picked = self._record_choice(view_id, located, raw)
        if not located.dispatches_actions:
            return None
        return await self._send_view_action(
            view["user_id"], view_id, located, key, picked, True, None
        )

    def _record_choice(self, view_id: str, located: Located, raw: Any) -> tuple[str | None, Any]:
        key, picked = self._choice(located, raw, self._suggested.get((view_id, located.action_id)))
        if key is not None and located.type not in ("overflow", "button"):
            self.fake.set_view_value(
                view_id, located.block_id, located.action_id, {"type": located.type, key: picked}
            )
        return key, picked

    @staticmethod
    def _choice(
        located: Located, raw: Any, suggested: list[dict[str, Any]] | None
    ) -> tuple[str | None, Any]:
        if located.type in ("button", "workflow_button"):
            return None, raw
        return normalise_choice(located, raw, suggested)

    # --- view submission and closing ------------------------------------------------------

    async def submit(
        self, user_id: str, view_id: str, *, signed: bool = True, timestamp: int | None = None
    ) -> httpx.Response:
        """Press the modal's submit button; then apply `response_action` like Slack does.

        Raises `ClientValidationError` when Slack's client would refuse to send it.
        """
        view = self._open_view(view_id)
        refused = client_side_errors(view)
        if refused:
            self.last_errors = refused
            raise ClientValidationError(refused)
        payload = self._base("view_submission", user_id)
        payload.update(
            trigger_id=self.fake.issue_trigger_id(user_id),
            view=as_sent(view),
            response_urls=[],
        )
        response = await self._send_payload(payload, signed, timestamp)
        self._apply_submission_answer(user_id, view, response)
        return response

    def _apply_submission_answer(
        self, user_id: str, view: dict[str, Any], response: httpx.Response
    ) -> None:
        self.last_errors = None
        if self.last_problem is not None:
            return  # Slack keeps the modal and shows its own error
        body = response.content.strip()
        try:
            answer = json.loads(body) if body else {}
        except ValueError:
            self.last_problem = "the app answered view_submission with something other than JSON"
            return
        action = answer.get("response_action") if isinstance(answer, dict) else None
        if action is None:
            self.fake.close_view(view["id"])
        elif action == "clear":
            self.fake.clear_views(user_id)
        elif action == "errors":
            self.last_problem = response_action_problem(view, answer)
            if self.last_problem is None:
                self.last_errors = dict(answer["errors"])
        elif action in ("update", "push"):
            problems = view_errors(answer.get("view"))
            if problems:
                self.last_problem = f"invalid view in response_action {action}: {problems}"
            elif action == "update":
                current = self.fake.view(view["id"])
                if current is not None and current.get("hash") != view.get("hash"):
                    # The app acked, then already changed the view through views.update
                    # before this answer reached us. Slack applied the ack first, so the
                    # app's later update is what the person sees: keep it.
                    return
                self.fake.replace_view(view["id"], answer["view"])
            else:
                self._push(user_id, answer["view"])
        else:
            self.last_problem = f"unknown response_action {action!r}"

    def _push(self, user_id: str, view: dict[str, Any]) -> None:
        try:
            self.fake.push_view(user_id, view)
        except Exception as error:  # push_limit_reached: Slack shows an error instead
            self.last_problem = f"push failed: {error}"

    async def close(
        self, user_id: str, view_id: str, *, signed: bool = True, timestamp: int | None = None
    ) -> httpx.Response | None:
        """The user dismisses the modal; the app hears `view_closed` if it asked to."""
        view = self._open_view(view_id)
        if view["clear_on_close"]:
            self.fake.clear_views(user_id)
        else:
            self.fake.close_view(view_id)
        if not view["notify_on_close"]:
            return None
        payload = self._base("view_closed", user_id)
        payload.update(view=as_sent(view), is_cleared=bool(view["clear_on_close"]))
        return await self._send_payload(payload, signed, timestamp)

    # --- options for external selects ---------------------------------------------------

    async def suggest(
        self,
        user_id: str,
        view_id: str,
        action_id: str,
        block_id: str,
        value: str,
        *,
        signed: bool = True,
        timestamp: int | None = None,
    ) -> httpx.Response:
        """The user types `value` into an external_select; the app answers with options."""
        view = self._open_view(view_id)
        payload = self._base("block_suggestion", user_id)
        payload.update(
            container={"type": "view", "view_id": view_id},
            action_id=action_id,
            block_id=block_id,
            value=value,
            view=as_sent(view),
        )
        response = await self._send_payload(payload, signed, timestamp)
        self.last_options = None
        if self.last_problem is None and response.content.strip():
            try:
                self.last_options = response.json()
            except ValueError:
                self.last_problem = (
                    "the app answered block_suggestion with something other than JSON"
                )
        if isinstance(self.last_options, dict):
            options = list(self.last_options.get("options") or [])
            for group in self.last_options.get("option_groups") or []:
                options += list(group.get("options") or [])
            self._suggested[(view_id, action_id)] = options
        return response

    # --- shortcuts ----------------------------------------------------------------------

    async def shortcut(
        self, user_id: str, callback_id: str, *, signed: bool = True, timestamp: int | None = None
    ) -> httpx.Response:
        """A global shortcut (lightning menu or search bar): a `shortcut` payload with a
        trigger id and no channel or response_url."""
        payload = interaction_base("shortcut", self._user(user_id), self.fake.team_id)
        payload.update(
            callback_id=callback_id,
            trigger_id=self.fake.issue_trigger_id(user_id),
            action_ts=f"{time.time():.6f}",
        )
        return await self._send_payload(payload, signed, timestamp)

    async def message_shortcut(
        self,
        user_id: str,
        message: dict[str, Any],
        callback_id: str,
        *,
        channel_id: str | None = None,
        signed: bool = True,
        timestamp: int | None = None,
    ) -> httpx.Response:
        """A message shortcut (a message's "More actions" menu): a `message_action` payload
        with the message, its channel, a trigger id and a response_url."""
        channel = self._channel(channel_id or str(message.get("channel", "")))
        stored = self.fake.message(channel.id, str(message["ts"]))
        if stored is None:
            raise LookupError(f"message {message['ts']} no longer exists in {channel.id}")
        payload = interaction_base("message_action", self._user(user_id), self.fake.team_id)
        payload.update(
            callback_id=callback_id,
            trigger_id=self.fake.issue_trigger_id(user_id),
            action_ts=f"{time.time():.6f}",
            message_ts=stored["ts"],
            channel={"id": channel.id, "name": channel.name},
            message=as_sent(stored),
            response_url=self.fake.new_response_url(channel.id, user_id, stored["ts"]),
        )
        return await self._send_payload(payload, signed, timestamp)

    async def open_home(self, user_id: str, *, signed: bool = True) -> httpx.Response:
        """The user opens the app's Home tab: `app_home_opened`, with the published view
        when there is one (as Slack sends it)."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": self._user(user_id).id,
            "channel": dm_channel_id(user_id),
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        home = self.fake.home_view(user_id)
        if home is not None:
            event["view"] = as_sent(home)
        return await self.event(event, signed=signed)

    # --- Events API ---------------------------------------------------------------------

    async def event(
        self, event: dict[str, Any], *, signed: bool = True, timestamp: int | None = None
    ) -> httpx.Response:
        """Deliver an Events API `event_callback` (e.g. app_home_opened) as JSON."""
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{time.time_ns()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": None if self.org_wide else self.team_id,
                    "enterprise_id": self.enterprise_id,
                    "user_id": "U_BOT",
                    "is_bot": True,
                    "is_enterprise_install": self.org_wide,
                }
            ],
            "is_ext_shared_channel": False,
        }
        body = json.dumps(envelope, separators=(",", ":")).encode()
        return await self._send(body, "application/json", signed, timestamp)

    # --- transport ----------------------------------------------------------------------

    def _base(self, kind: str, user_id: str) -> dict[str, Any]:
        payload = interaction_base(kind, self._user(user_id), self.team_id)
        if self.enterprise_id:
            payload["enterprise"] = {"id": self.enterprise_id, "name": self.enterprise_id}
            payload["is_enterprise_install"] = self.org_wide
        return payload

    async def _send_payload(
        self, payload: dict[str, Any], signed: bool, timestamp: int | None
    ) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()
        return await self._send(body, "application/x-www-form-urlencoded", signed, timestamp)

    async def _send(
        self, body: bytes, content_type: str, signed: bool, timestamp: int | None
    ) -> httpx.Response:
        headers = self._headers(body, content_type, self._signer if signed else _FORGER, timestamp)
        self._last_sent = (body, content_type)
        return await self._post(body, headers)

    @staticmethod
    def _headers(
        body: bytes, content_type: str, signer: SignatureVerifier, timestamp: int | None = None
    ) -> dict[str, str]:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signer.generate_signature(timestamp=stamp, body=body) or "",
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }

    async def redeliver(self, retry_num: int = 1, reason: str = "http_timeout") -> httpx.Response:
        """Send the last request again as Slack's retry does: same body, new signature,
        `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`."""
        body, content_type = self._last_sent
        headers = self._headers(body, content_type, self._signer)
        headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": reason})
        return await self._post(body, headers)

    async def _post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=self.http_timeout) as client:
            response = await client.post(self.url, content=body, headers=headers)
        self.last_ack_seconds = time.monotonic() - started
        self.last_response = response
        self.last_problem = self._ack_problem(response)
        if response.content:
            self.fake.note_app_output(response.text)
        return response

    def _ack_problem(self, response: httpx.Response) -> str | None:
        """Why Slack would ignore this answer and show its own error, if it would."""
        if response.status_code != 200:
            return f"the app answered HTTP {response.status_code}"
        seconds = self.last_ack_seconds or 0.0
        if seconds > self.ack_deadline:
            return f"no ack within {self.ack_deadline} s (took {seconds:.2f} s)"
        return None

    # --- lookups ------------------------------------------------------------------------

    def _user(self, user_id: str) -> User:
        user = self.fake.user(user_id)
        if user is None:
            raise LookupError(f"the fake workspace has no user {user_id!r}")
        return user

    def _channel(self, channel_id: str) -> Channel:
        channel = self.fake.channel(channel_id)
        if channel is None:
            raise LookupError(f"the fake workspace has no channel {channel_id!r}")
        return channel

    def _open_view(self, view_id: str) -> dict[str, Any]:
        view = self.fake.view(view_id)
        if view is None or not view["is_open"]:
            raise LookupError(f"view {view_id!r} is not open")
        return view

    @staticmethod
    def _element(blocks: list[dict[str, Any]], action_id: str, block_id: str | None) -> Located:
        located = find_element(blocks, action_id, block_id)
        if located is None:
            where = f" in block {block_id!r}" if block_id else ""
            raise LookupError(f"no interactive element with action_id {action_id!r}{where}")
        return located
