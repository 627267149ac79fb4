"""The OAuth token endpoint and the gate every API call passes through.

The gate adds what Bookable adds to every response (X-Correlation-ID echo, X-RateLimit-*),
checks the bearer token and its scope, enforces the fixed-window rate limit per token `sub`
and applies the test knobs (latency, injected failures, forced 429s).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.sandbox.problems import (
    FORBIDDEN,
    RATE_LIMITED,
    UNAUTHORIZED,
    Problem,
    forced_failure,
)
from bot.sandbox.state import RateWindow, SandboxState

Handler = Callable[[Request, "Principal"], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Principal:
    sub: str
    scopes: frozenset[str]


def correlation_header(request: Request) -> dict[str, str]:
    return {"X-Correlation-ID": request.headers.get("x-correlation-id") or str(uuid.uuid4())}


def _denied(headers: dict[str, str]) -> JSONResponse:
    # Auth0's answer for bad credentials (Bookable does not document its own).
    body = {"error": "access_denied", "error_description": "Unauthorized"}
    return JSONResponse(body, status_code=401, headers=headers)


async def _form_or_json(request: Request) -> dict[str, str] | None:
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode("utf-8", "replace")))
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    return {key: value for key, value in body.items() if isinstance(value, str)}


class Gateway:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    # --- POST /oauth/token --------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        state, config = self.state, self.state.config
        headers = correlation_header(request)
        state.counters.token_requests += 1
        await self._latency()
        if state.knobs.token_failure is not None:
            down = {"error": "temporarily_unavailable", "error_description": "Injected failure"}
            return JSONResponse(down, status_code=state.knobs.token_failure, headers=headers)
        form = await _form_or_json(request)
        if form is None:
            bad = {"error": "invalid_request", "error_description": "Expected a JSON object"}
            return JSONResponse(bad, status_code=400, headers=headers)
        client_id = str(form.get("client_id") or "")
        by_client = state.counters.token_requests_by_client
        by_client[client_id] = by_client.get(client_id, 0) + 1
        secret = (state.client_secret(client_id) or "").encode()
        if not (
            form.get("grant_type") == "client_credentials"
            and secret
            and hmac.compare_digest(form.get("client_secret", "").encode(), secret)
            and form.get("audience") == config.audience
        ):
            return _denied(headers)
        scopes = frozenset(config.scopes)
        if form.get("scope"):  # Auth0 lets a client ask for fewer scopes than it may have
            scopes &= frozenset(form["scope"].split())
        token, ttl = state.issue_token(scopes, client_id)
        body: dict[str, Any] = {
            "access_token": token,
            "scope": " ".join(scope for scope in config.scopes if scope in scopes),
            "expires_in": ttl,
            "token_type": "Bearer",
        }
        return JSONResponse(body, headers={**headers, "Cache-Control": "no-store"})

    # --- every API call -----------------------------------------------------------------

    def guard(self, scope: str, handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            counters = self.state.counters
            counters.api_requests += 1
            counters.api_in_flight += 1  # tests wait for 0: no request left to finish
            entry: dict[str, str | None] = {
                "method": request.method,
                "path": request.url.path,
                "correlation_id": request.headers.get("x-correlation-id"),
                "client_id": None,  # the partner account whose token it carried, once known
            }
            counters.received.append(entry)
            request.state.received = entry
            try:
                return await self._answer(request, scope, handler)
            finally:
                counters.api_in_flight -= 1

        return endpoint

    async def _answer(self, request: Request, scope: str, handler: Handler) -> Response:
        headers = correlation_header(request)
        await self._latency()
        try:
            principal = self._authenticate(request)
            request.state.received["client_id"] = principal.sub
            headers.update(self._count_request(principal.sub))
            if scope not in principal.scopes:
                raise Problem(403, FORBIDDEN, f"The access token lacks the {scope} scope.")
            self._injected_failure()
            response = await handler(request, principal)
        except Problem as problem:
            response = problem.response(minimal=self.state.knobs.contract.problem_minimal)
        response.headers.update(headers)
        return response

    async def _latency(self) -> None:
        if self.state.knobs.latency_ms > 0:
            await asyncio.sleep(self.state.knobs.latency_ms / 1000)

    def _authenticate(self, request: Request) -> Principal:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(401, UNAUTHORIZED, "Missing bearer token.")
        record = self.state.valid_token(token.strip())
        if record is None:
            raise Problem(401, UNAUTHORIZED, "The access token is invalid or has expired.")
        return Principal(record.sub, record.scopes)

    def _count_request(self, sub: str) -> dict[str, str]:
        """Fixed windows per `sub`; raises 429 when the window is used up (or a knob says so).
        Headers are attached by the caller either way."""
        state, knobs = self.state, self.state.knobs
        window_len = state.config.rate_window_seconds
        now = state.clock.now()
        start = math.floor(now / window_len) * window_len
        window = state.rate_windows.get(sub)
        if window is None or window.start != start:
            window = state.rate_windows[sub] = RateWindow(start)
        forced = knobs.rate_limit_next > 0
        allowed = not forced and window.used < knobs.rate_limit
        if forced:
            knobs.rate_limit_next -= 1
        if allowed:
            window.used += 1
        remaining = max(0, knobs.rate_limit - window.used) if allowed else 0
        reset = int(start + window_len)
        headers = {
            "X-RateLimit-Limit": str(knobs.rate_limit),
            "X-RateLimit-Remaining": str(remaining),
        }
        if knobs.contract.rate_limit_reset_header:  # knob off: a 429 the client must still survive
            headers["X-RateLimit-Reset"] = str(reset)
        if not allowed and knobs.contract.retry_after_header:
            headers["Retry-After"] = str(max(1, math.ceil(reset - now)))
        if not allowed:
            detail = (
                f"You have exceeded the rate limit of {knobs.rate_limit} requests per "
                f"{window_len}-second window."
            )
            rfc6585 = "https://tools.ietf.org/html/rfc6585#section-4"
            raise Problem(429, RATE_LIMITED, detail, type_uri=rfc6585, headers=headers)
        return headers

    def _injected_failure(self) -> None:
        knobs = self.state.knobs
        if knobs.fail_next_count > 0:
            knobs.fail_next_count -= 1
            raise forced_failure(knobs.fail_next_status)
