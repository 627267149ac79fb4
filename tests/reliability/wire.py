"""Raw, signed HTTP to the running app, for the fuzz targets (no driver in between, so
any bytes can be sent). Every answer is kept for the audits."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.devtools.fake_slack.directory import APP_ID, TEAM_DOMAIN
from bot.devtools.fake_slack.payloads import VERIFICATION_TOKEN

from .reliable_stack import ReliabilityStack

FORM = "application/x-www-form-urlencoded"
SLACK_ACK_DEADLINE = 3.0


@dataclass
class Answer:
    status: int
    body: str
    seconds: float


@dataclass
class Wire:
    """Sends what Slack and Bookable would send (or anything else), signed or not."""

    stack: ReliabilityStack
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))
    answers: list[Answer] = field(default_factory=list)

    def close(self) -> None:
        self.http.close()

    # --- Slack ----------------------------------------------------------------------------

    def slack(self, body: bytes, content_type: str = FORM, *, signed: bool = True) -> Answer:
        stamp = str(int(time.time()))
        secret = self.stack.signing_secret if signed else "not-the-signing-secret"
        # Slack's v0 scheme over the raw bytes (slack_sdk's signer insists on UTF-8 text).
        digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": "v0=" + digest.hexdigest(),
        }
        return self._post("/slack/events", body, headers)

    def command(self, text: str, *, user: str, channel: str) -> Answer:
        fake = self.stack.fake
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": fake.team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": "fuzzer",
            "command": "/bookable",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": fake.new_response_url(channel, user),
            "trigger_id": fake.issue_trigger_id(user),
        }
        return self.slack(urlencode(fields).encode())

    def interaction(self, payload: Any) -> Answer:
        raw = json.dumps(payload, separators=(",", ":"))
        return self.slack(urlencode({"payload": raw}).encode())

    # --- Bookable -------------------------------------------------------------------------

    def webhook(self, body: bytes, *, signature: str | None = None, signed: bool = True) -> Answer:
        headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
        if signed:
            secret = self.stack.webhook_secrets[-1].encode()
            good = hmac.new(secret, body, hashlib.sha256).hexdigest()
            headers["X-API-Key"] = signature.encode("latin-1") if signature else good
        return self._post("/webhooks/bookable", body, headers)

    # --- transport ------------------------------------------------------------------------

    def _post(self, path: str, body: bytes, headers: dict[str, Any]) -> Answer:
        started = time.monotonic()
        response = self.http.post(self.stack.app_url + path, content=body, headers=headers)
        answer = Answer(response.status_code, response.text, time.monotonic() - started)
        self.answers.append(answer)
        return answer

    def slack_answers(self) -> list[str]:
        """Answer bodies that Slack would show (for the injection and secret audits)."""
        return [a.body for a in self.answers if a.body.strip()]
