"""`ReliabilityStack`: LocalStack with every secret distinctive and traceable."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import httpx
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.routing import Mount

from bot.config import LOCAL_SANDBOX_PREFIX
from bot.devtools.serving import BackgroundServer
from bot.devtools.stack import LocalStack
from bot.sandbox import SandboxConfig, SandboxState
from bot.web.app import build_asgi_app

from .logcapture import LogCapture, secret_hits


class ReliabilityStack(LocalStack):
    """LocalStack with a distinctive Bookable client secret (the embedded sandbox is told
    to accept it), every issued access token and webhook secret recorded, and a log
    capture for its whole life.

    `sandbox_options` tune the embedded sandbox (e.g. `retry_unit_seconds` so a refused
    webhook is redelivered in a fraction of a second instead of a minute).
    """

    def __init__(
        self,
        *,
        settings_overrides: dict[str, Any] | None = None,
        sandbox_options: dict[str, Any] | None = None,
        **options: Any,
    ) -> None:
        self.client_secret = "bookable-client-secret-" + secrets.token_hex(12)
        overrides = {
            "bookable_client_secret": self.client_secret,
            "notifier_max_backoff": 1.0,  # retries within a test's patience
            **(settings_overrides or {}),
        }
        super().__init__(settings_overrides=overrides, **options)
        self.sandbox_options = {"retry_unit_seconds": 0.25, **(sandbox_options or {})}
        self.logs = LogCapture()
        self.sandbox: SandboxState | None = None
        self.access_tokens: list[str] = []
        self.webhook_secrets: list[str] = []
        self.extra_secrets: dict[str, str] = {}  # e.g. an encryption key a test sets

    def start(self) -> ReliabilityStack:
        self.logs.install()
        try:
            super().start()
        except BaseException:
            self.logs.uninstall()
            raise
        self.logs.watch_uvicorn()  # our servers have just reconfigured uvicorn's loggers
        return self

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            self.logs.uninstall()

    def start_app(self) -> None:
        # As LocalStack.start_app, with our sandbox config, keeping a handle on its state.
        assert self.settings is not None
        config = SandboxConfig(
            client_secret=SecretStr(self.client_secret),
            signature_encoding=self.settings.bookable_webhook_signature_encoding,
            **self.sandbox_options,
        )
        app = build_asgi_app(self.settings, public_base=self.app_url, sandbox_config=config)
        self.sandbox = _record_tokens(_mounted_sandbox(app), self.access_tokens)
        self._app_server = BackgroundServer(app, port=self.app_port).start()
        self.wait_for_webhook_registration()
        registration = self.sandbox.webhook
        if registration is not None:
            self.webhook_secrets.append(registration.secret_key)

    # --- what must never leak -------------------------------------------------------

    def secret_values(self) -> dict[str, str]:
        """Every secret this stack used, by a name that is safe to print."""
        values = {
            "Slack bot token": self.bot_token,
            "Slack signing secret": self.signing_secret,
            "Bookable client secret": self.client_secret,
            **self.extra_secrets,
        }
        for index, token in enumerate(list(self.access_tokens)):
            values[f"Bookable access token #{index + 1}"] = token
        for index, secret in enumerate(self.webhook_secrets):
            values[f"Bookable webhook secret #{index + 1}"] = secret
        return values

    def slack_texts(self, extra: list[str] | None = None) -> list[str]:
        """Everything the app sent to the fake Slack (whole call arguments, app answers)."""
        texts = [json.dumps(call.args, ensure_ascii=False) for call in self.fake.calls]
        return texts + self.fake.all_posted_texts() + list(extra or [])

    def leaks(self, extra_texts: list[str] | None = None) -> list[str]:
        """Where a secret showed up, described without the secret itself."""
        return secret_hits(self.secret_values(), self.logs.records, self.slack_texts(extra_texts))

    # --- waiting ----------------------------------------------------------------------

    def outbox(self) -> dict[str, Any]:
        return httpx.get(f"{self.app_url}/healthz", timeout=10).json().get("outbox") or {}

    def settle(self, *, quiet: float = 0.3, within: float = 30.0) -> None:
        """Wait until webhooks are delivered, the outbox is empty and Slack traffic stopped
        for `quiet` seconds (the app works after it acks)."""
        deadline = time.monotonic() + within
        httpx.post(
            f"{self.sandbox_url}/_control/deliveries/wait",
            params={"timeout": within},
            timeout=within + 5,
        )
        seen, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            outbox = self.outbox()
            count = len(self.fake.calls)
            busy = outbox.get("pending", 0) or outbox.get("leased", 0)
            if count != seen or busy:
                seen, since = count, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
            time.sleep(0.05)
        raise AssertionError(f"the app did not settle within {within} s (outbox {self.outbox()})")


def _mounted_sandbox(app: Starlette) -> SandboxState:
    for route in app.routes:
        if isinstance(route, Mount) and route.path == LOCAL_SANDBOX_PREFIX:
            return route.app.state.sandbox  # type: ignore[attr-defined]
    raise RuntimeError("the app has no embedded sandbox (is BOOKABLE_ENV local?)")


def _record_tokens(state: SandboxState, issued: list[str]) -> SandboxState:
    """Remember every access token the sandbox hands out (revoked ones included)."""
    issue = state.issue_token

    def issue_and_record(scopes: frozenset[str], client_id: str | None = None) -> tuple[str, int]:
        token, ttl = issue(scopes, client_id)
        issued.append(token)
        return token, ttl

    state.issue_token = issue_and_record  # type: ignore[method-assign]
    return state
