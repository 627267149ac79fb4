"""Typed async client for the Bookable API (bookable-api.md §6 and §8.1).

One `httpx.AsyncClient` per process and one `TokenProvider` per partner account
(`with_credentials`). Every call carries an
`X-Correlation-ID` that comes back on the result and on every error. Retries are bounded in
count and in total waiting time: 401 refreshes the token once, 429 waits for the rate-limit
window, transient 5xx back off with jitter; nothing the server calls non-retryable is retried,
and a create that may have reached Bookable is never blindly sent twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date as Date
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from bot.bookable.auth import TokenProvider, TokenProviders
from bot.bookable.errors import (
    BookableProblem,
    RateLimited,
    ResponseFormatError,
    TokenError,
    TransportError,
)
from bot.bookable.feed import read_feed
from bot.bookable.models import (
    ApiResult,
    Availability,
    Booking,
    BookingRequest,
    PatchOp,
    Venue,
    VenuePage,
    VenueQuery,
    WebhookRegistration,
)
from bot.bookable.pools import SpreadTransport
from bot.bookable.responses import (
    explicit_retryable,
    json_object,
    problem_from_response,
    rate_limit,
    rate_limit_wait,
)
from bot.config import Settings
from bot.logging_setup import register_secret
from bot.observability.correlation import current_correlation_id
from bot.observability.metrics import record_bookable_call

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

# Bookable does not document PATCH's media type (bookable-api.md §6.6); RFC 6902's is the
# natural choice and the sandbox accepts both.
JSON_PATCH = "application/json-patch+json"
USER_AGENT = "bookable-for-slack/0.1"
# Errors raised before the request left this process: resending cannot double anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Methods whose repetition has the same effect as one call.
_RESEND_SAFE = frozenset({"GET", "PUT"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 3
    max_total_wait: float = 30.0  # seconds of sleeping across all retries of one call
    backoff_base: float = 0.25
    backoff_cap: float = 4.0
    rate_limit_default_wait: float = 1.0  # 429 without X-RateLimit-Reset or Retry-After

    def backoff(self, retry: int) -> float:
        """Exponential backoff with jitter: half fixed, half random, so waits never collapse."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2**retry)
        return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass(slots=True)
class _Call:
    method: str
    template: str  # path with placeholders, for logs and messages
    path: str  # the same with percent-encoded ids
    correlation_id: str
    params: dict[str, str] | None = None
    json_body: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    wait_on_rate_limit: bool = True  # False: a 429 is raised at once (the caller degrades)

    @property
    def resend_safe(self) -> bool:
        return self.method in _RESEND_SAFE

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"


def _segment(value: str) -> str:
    """Ids are opaque (`29|CO|…`): encode every reserved character, `|` → `%7C`."""
    return quote(value, safe="")


class BookableClient:
    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        tokens: TokenProvider,
        partner_reference: str | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        wall_clock: Callable[[], float] = time.time,
        patch_content_type: str = JSON_PATCH,
    ) -> None:
        self._http = http
        self.tokens = tokens
        self._partner_reference = partner_reference
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._wall_clock = wall_clock  # X-RateLimit-Reset is epoch seconds
        self._patch_content_type = patch_content_type
        self.token_providers: TokenProviders | None = None  # set by from_settings

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        api_url: str,
        auth_url: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> BookableClient:
        # A connection for each follow-up worker (they call Bookable concurrently), all
        # kept (httpx keeps 20 idle by default): fewer would make workers queue or reconnect.
        connections = max(100, settings.followup_workers)
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        http = httpx.AsyncClient(
            base_url=api_url,
            timeout=httpx.Timeout(
                settings.bookable_timeout, connect=settings.bookable_connect_timeout
            ),
            transport=transport or _spread_unless_proxied(limits),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            limits=limits,
        )
        providers = TokenProviders(
            http=http,
            audience=settings.bookable_audience,
            refresh_margin=settings.bookable_token_refresh_margin,
            timeout=settings.bookable_timeout,
        )
        tokens = providers.get(auth_url, settings.client_id, settings.client_secret)
        retry = RetryPolicy(
            max_retries=settings.bookable_max_retries,
            max_total_wait=settings.bookable_max_retry_wait,
        )
        client = cls(
            http=http,
            tokens=tokens,
            partner_reference=settings.bookable_partner_reference,
            retry=retry,
        )
        client.token_providers = providers
        return client

    def with_credentials(self, client_id: str, client_secret: SecretStr) -> BookableClient:
        """A client for another partner account (a workspace's own), sharing this one's
        connection pool and retry policy; its tokens come from the process-wide provider
        of that credential. `aclose` belongs to this (the owning) client only."""
        providers = self.token_providers
        if providers is None:
            raise RuntimeError("with_credentials needs a client made by from_settings")
        return BookableClient(
            http=self._http,
            tokens=providers.get(self.tokens.auth_url, client_id, client_secret),
            partner_reference=self._partner_reference,
            retry=self._retry,
            sleep=self._sleep,
            wall_clock=self._wall_clock,
            patch_content_type=self._patch_content_type,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- venues and availability ----------------------------------------------------------

    async def search_venues(
        self, query: VenueQuery, *, correlation_id: str | None = None
    ) -> ApiResult[VenuePage]:
        call = self._call("GET", "/venues", correlation_id=correlation_id)
        call.params = query.to_params()
        return await self._model(call, VenuePage)

    async def get_venue(
        self, venue_id: str, *, correlation_id: str | None = None
    ) -> ApiResult[Venue]:
        call = self._call("GET", "/venues/{venueId}", venue_id, correlation_id=correlation_id)
        response = await self._send(call)
        # Undocumented whether the venue comes bare or in a `data` wrapper; accept both.
        body = json_object(response)
        if body and isinstance(body.get("data"), dict) and "name" not in body:
            return self._result(call, response, self._validate(call, Venue, body["data"]))
        return self._result(call, response, self._parse(call, response, Venue))

    async def availability(
        self,
        composite_id: str,
        *,
        date: Date,
        party_size: int,
        time: str | None = None,
        correlation_id: str | None = None,
        wait_on_rate_limit: bool = True,
    ) -> ApiResult[Availability]:
        call = self._call(
            "GET",
            "/venues/{compositeId}/availability",
            composite_id,
            correlation_id=correlation_id,
        )
        call.wait_on_rate_limit = wait_on_rate_limit
        # Query key names are our reading of the docs (bookable-api.md §6.3).
        call.params = {"date": date.isoformat(), "partySize": str(party_size)}
        if time:
            call.params["time"] = time
        return await self._model(call, Availability)

    async def read_feed(self, url: str) -> Any:
        """A product's availability feed (`feedUrl`, bookable-api.md §9): no token, no
        rate limit. Its JSON as read; `bot.bookable.feed.feed_days` interprets it."""
        return await read_feed(self._http, url)

    # --- bookings -------------------------------------------------------------------------

    async def create_booking(
        self, composite_id: str, request: BookingRequest, *, correlation_id: str | None = None
    ) -> ApiResult[Booking]:
        call = self._call(
            "POST", "/venues/{compositeId}/booking", composite_id, correlation_id=correlation_id
        )
        call.json_body = request.to_json()
        return await self._model(call, Booking)

    async def get_booking(
        self, booking_id: str, *, correlation_id: str | None = None
    ) -> ApiResult[Booking]:
        call = self._call(
            "GET", "/venues/bookings/{bookingId}", booking_id, correlation_id=correlation_id
        )
        return await self._model(call, Booking)

    async def patch_booking(
        self, booking_id: str, ops: list[PatchOp], *, correlation_id: str | None = None
    ) -> ApiResult[Booking]:
        call = self._call(
            "PATCH", "/venues/bookings/{bookingId}", booking_id, correlation_id=correlation_id
        )
        call.content = json.dumps([_patch_op(op) for op in ops]).encode()
        call.headers["Content-Type"] = self._patch_content_type
        return await self._model(call, Booking)

    async def cancel_booking(
        self, booking_id: str, *, correlation_id: str | None = None
    ) -> ApiResult[None]:
        call = self._call(
            "DELETE", "/venues/bookings/{bookingId}", booking_id, correlation_id=correlation_id
        )
        return self._result(call, await self._send(call), None)

    # --- webhook registration -------------------------------------------------------------

    async def register_webhook(
        self, callback_url: str, *, correlation_id: str | None = None
    ) -> ApiResult[WebhookRegistration]:
        call = self._call("POST", "/webhooks", correlation_id=correlation_id)
        call.json_body = {"callbackUrl": callback_url}
        result = await self._model(call, WebhookRegistration)
        register_secret(result.data.secret_key)  # returned once; must never reach a log
        return result

    async def update_webhook(
        self, callback_url: str, *, correlation_id: str | None = None
    ) -> ApiResult[WebhookRegistration]:
        call = self._call("PUT", "/webhooks", correlation_id=correlation_id)
        call.json_body = {"callbackUrl": callback_url}
        response = await self._send(call)
        if not response.content:  # the response is undocumented; an empty one is plausible
            return self._result(call, response, WebhookRegistration(callbackUrl=callback_url))
        result = self._result(call, response, self._parse(call, response, WebhookRegistration))
        register_secret(result.data.secret_key)
        return result

    async def delete_webhook(self, *, correlation_id: str | None = None) -> ApiResult[None]:
        call = self._call("DELETE", "/webhooks", correlation_id=correlation_id)
        return self._result(call, await self._send(call), None)

    async def test_webhook(self, *, correlation_id: str | None = None) -> ApiResult[None]:
        call = self._call("POST", "/webhooks/test", correlation_id=correlation_id)
        return self._result(call, await self._send(call), None)

    # --- plumbing -------------------------------------------------------------------------

    def _call(self, method: str, template: str, *ids: str, correlation_id: str | None) -> _Call:
        path = template
        for value in ids:
            start, end = path.index("{"), path.index("}")
            path = path[:start] + _segment(value) + path[end + 1 :]
        # Within a Slack request or webhook, its id: one id follows it through the logs.
        chosen = correlation_id or current_correlation_id() or str(uuid.uuid4())
        return _Call(method, template, path, chosen)

    async def _model(self, call: _Call, model: type[M]) -> ApiResult[M]:
        response = await self._send(call)
        return self._result(call, response, self._parse(call, response, model))

    def _result(self, call: _Call, response: httpx.Response, data: Any) -> ApiResult[Any]:
        return ApiResult(
            data=data,
            correlation_id=response.headers.get("x-correlation-id") or call.correlation_id,
            status_code=response.status_code,
            rate_limit=rate_limit(response.headers),
        )

    def _parse(self, call: _Call, response: httpx.Response, model: type[M]) -> M:
        try:
            payload = response.json()
        except ValueError:
            raise ResponseFormatError(
                f"{call.label} answered {response.status_code} with a body that is not JSON",
                correlation_id=call.correlation_id,
            ) from None
        return self._validate(call, model, payload)

    def _validate(self, call: _Call, model: type[M], payload: Any) -> M:
        try:
            return model.model_validate(payload)
        except ValidationError as error:
            # Field locations only: the input may hold guest details.
            where = ", ".join(".".join(map(str, e["loc"])) or "body" for e in error.errors())
            raise ResponseFormatError(
                f"{call.label} answered with an unexpected {model.__name__} ({where})",
                correlation_id=call.correlation_id,
            ) from None

    async def _send(self, call: _Call) -> httpx.Response:
        """One logical call: the bounded retry loop around `_attempt`."""
        retries, waited, refreshed = 0, 0.0, False
        while True:
            token = await self._token(call)
            try:
                response = await self._attempt(call, token)
            except httpx.TransportError as error:
                failure = self._transport_error(call, error)
                resend = call.resend_safe or isinstance(error, _NOT_SENT)
                delay = self._retry.backoff(retries)
                if not resend or not self._may_wait(retries, waited, delay):
                    raise failure from None
                log.info("%s: %s; retrying in %.2f s", call.label, failure, delay)
            else:
                if response.is_success:
                    return response
                if response.status_code == 401 and not refreshed:
                    # The token may have been revoked or rotated: one fresh token, one retry.
                    self.tokens.invalidate(token)
                    refreshed = True
                    continue
                problem = problem_from_response(response, call.correlation_id)
                wait = self._delay_for(call, response, problem, retries)
                if wait is None or not self._may_wait(retries, waited, wait):
                    if isinstance(problem, RateLimited):
                        problem.retry_after = wait
                    raise problem
                delay = wait
                log.info(
                    "%s: HTTP %s %s; retrying in %.2f s (correlation id %s)",
                    call.label,
                    response.status_code,
                    problem.code or "",
                    delay,
                    call.correlation_id,
                )
            await self._sleep(delay)
            retries, waited = retries + 1, waited + delay

    def _delay_for(
        self, call: _Call, response: httpx.Response, problem: BookableProblem, retries: int
    ) -> float | None:
        """Seconds to wait before retrying, or None when this answer must not be retried."""
        if response.status_code == 429:
            if not call.wait_on_rate_limit:
                return None
            # Nothing was processed, so even a create may be resent once the window resets.
            return rate_limit_wait(
                response.headers,
                now=self._wall_clock(),
                default=self._retry.rate_limit_default_wait,
            )
        if response.status_code == 401 or not problem.is_retryable:
            return None  # a second 401 is final: the fresh token was refused too
        # A 5xx on a create may hide a booking that was made: resend only when Bookable says
        # it is retryable, or on 503 (the request was not processed).
        said = explicit_retryable(problem.body, problem.code)
        if call.resend_safe or said or response.status_code == 503:
            return self._retry.backoff(retries)
        return None

    def _may_wait(self, retries: int, waited: float, delay: float) -> bool:
        return retries < self._retry.max_retries and waited + delay <= self._retry.max_total_wait

    async def _token(self, call: _Call) -> str:
        try:
            return await self.tokens.token()
        except TokenError as error:
            # The provider shares one error among all waiters; give each caller its own.
            raise TokenError(
                error.message,
                status=error.status,
                error=error.error,
                error_description=error.error_description,
                correlation_id=call.correlation_id,
            ) from None

    async def _attempt(self, call: _Call, token: str) -> httpx.Response:
        headers = {
            **call.headers,
            "Authorization": f"Bearer {token}",
            "X-Correlation-ID": call.correlation_id,
        }
        if self._partner_reference:
            headers["X-Partner-Reference"] = self._partner_reference
        started = time.perf_counter()
        try:
            response = await self._http.request(
                call.method,
                call.path,
                params=call.params,
                json=call.json_body,
                content=call.content,
                headers=headers,
            )
        except httpx.TransportError as error:
            timed_out = isinstance(error, httpx.TimeoutException)
            record_bookable_call(call.method, call.template, "timeout" if timed_out else "error")
            raise
        record_bookable_call(call.method, call.template, response.status_code)
        log.debug(
            "bookable %s -> %s in %.0f ms (correlation id %s)",
            call.label,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            call.correlation_id,
        )
        return response

    def _transport_error(self, call: _Call, error: httpx.TransportError) -> TransportError:
        what = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
        return TransportError(
            f"{call.label} {what}: {type(error).__name__}", correlation_id=call.correlation_id
        )


def _patch_op(op: PatchOp) -> dict[str, Any]:
    body = op.model_dump(mode="json", by_alias=True)
    if op.op == "remove" and body.get("value") is None:
        body.pop("value", None)  # RFC 6902: remove takes no value
    return body


def _spread_unless_proxied(limits: httpx.Limits) -> httpx.AsyncBaseTransport | None:
    """`SpreadTransport`, unless the environment names a proxy: then httpx's own transport
    (None), which honours it (a transport given to httpx disables its proxy settings)."""
    proxies = urllib.request.getproxies()
    if any(proxies.get(scheme) for scheme in ("http", "https", "all")):
        return None
    return SpreadTransport(limits)
