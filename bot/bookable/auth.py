"""OAuth2 client-credentials tokens for Bookable: one cached token per credential per
process (`TokenProviders`: the operator's account and each workspace's own).

Every caller of a credential shares one `TokenProvider`. A cold or expiring cache triggers
exactly one token request however many callers arrive at once (they all await the same
task), and a 401 from the API only drops the token that caused it, so a burst of 401s
refreshes once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from bot.bookable.errors import TokenError
from bot.bookable.responses import json_object
from bot.logging_setup import redact, register_secret
from bot.observability.metrics import TOKEN_FAILURES, TOKEN_REQUESTS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _CachedToken:
    value: SecretStr
    expires_at: float  # on the provider's clock
    lifetime: float


class TokenProvider:
    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        auth_url: str,
        client_id: str,
        client_secret: SecretStr,
        audience: str,
        refresh_margin: float = 60.0,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._auth_url = auth_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._audience = audience
        self._refresh_margin = refresh_margin
        self._timeout = timeout
        self._clock = clock
        self._current: _CachedToken | None = None
        self._inflight: asyncio.Task[_CachedToken] | None = None
        self.requests_made = 0
        register_secret(client_secret.get_secret_value())

    @property
    def auth_url(self) -> str:
        return self._auth_url

    async def token(self) -> str:
        """A valid access token; fetched at most once for any number of concurrent callers."""
        current = self._current
        if current is None or self._needs_refresh(current):
            current = await self._refresh()
        return current.value.get_secret_value()

    def invalidate(self, token: str) -> None:
        """Forget `token` after a 401, unless a newer token has already replaced it."""
        current = self._current
        if current is not None and current.value.get_secret_value() == token:
            log.info("bookable access token rejected; dropping it")
            self._current = None

    def _needs_refresh(self, token: _CachedToken) -> bool:
        # A lifetime shorter than the margin would refresh on every call; cap the margin.
        margin = min(self._refresh_margin, token.lifetime / 2)
        return token.expires_at - self._clock() < margin

    async def _refresh(self) -> _CachedToken:
        if self._inflight is None:
            self._inflight = asyncio.create_task(self._fetch())
            self._inflight.add_done_callback(self._fetch_done)
        # shield: one caller giving up must not cancel the fetch the others wait on.
        return await asyncio.shield(self._inflight)

    def _fetch_done(self, task: asyncio.Task[_CachedToken]) -> None:
        self._inflight = None
        if not task.cancelled():
            task.exception()  # mark it retrieved even if every waiter was cancelled

    async def _fetch(self) -> _CachedToken:
        TOKEN_REQUESTS.inc()
        try:
            return await self._fetch_once()
        except Exception:
            TOKEN_FAILURES.inc()
            raise

    async def _fetch_once(self) -> _CachedToken:
        started = self._clock()
        self.requests_made += 1
        body = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret.get_secret_value(),
            "audience": self._audience,
        }
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.post(
                    self._auth_url, json=body, timeout=httpx.Timeout(self._timeout)
                )
        except (TimeoutError, httpx.TimeoutException):
            raise TokenError(f"token request timed out after {self._timeout:g} s") from None
        except httpx.HTTPError as error:
            raise TokenError(f"token request failed: {type(error).__name__}") from None
        token = self._parse(response)
        register_secret(token.value.get_secret_value())
        log.info(
            "bookable token fetched: expires in %g s (token request #%d)",
            token.lifetime,
            self.requests_made,
        )
        self._current = _CachedToken(token.value, started + token.lifetime, token.lifetime)
        return self._current

    def _parse(self, response: httpx.Response) -> _CachedToken:
        payload = json_object(response)
        if not response.is_success:
            error = self._scrub(payload.get("error")) if payload else None
            description = self._scrub(payload.get("error_description")) if payload else None
            reason = ": ".join(part for part in (error, description) if part)
            raise TokenError(
                f"token endpoint answered HTTP {response.status_code}"
                + (f" ({reason})" if reason else ""),
                status=response.status_code,
                error=error,
                error_description=description,
            )
        if payload is None:
            raise TokenError(
                "token endpoint answered with a body that is not a JSON object",
                status=response.status_code,
            )
        access_token = payload.get("access_token")
        expires_in = payload.get("expires_in")
        if not isinstance(access_token, str) or not access_token:
            raise TokenError("token response has no access_token", status=response.status_code)
        if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
            raise TokenError(
                "token response has no numeric expires_in", status=response.status_code
            )
        if not math.isfinite(expires_in) or expires_in <= 0:
            raise TokenError(
                "token response has an unusable expires_in", status=response.status_code
            )
        return _CachedToken(SecretStr(access_token), 0.0, float(expires_in))

    def _scrub(self, value: Any) -> str | None:
        """Auth0's error text, with our secret removed should a server ever echo it."""
        if not isinstance(value, str):
            return None
        secret = self._client_secret.get_secret_value()
        return redact(value.replace(secret, "[redacted]") if secret else value)[:300]


class TokenProviders:
    """One `TokenProvider` per credential (token URL, client id, secret) in the process:
    every client of a partner account shares its cached token and its single flight,
    whichever workspace asks. A changed secret is another credential."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        audience: str,
        refresh_margin: float = 60.0,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._audience = audience
        self._refresh_margin = refresh_margin
        self._timeout = timeout
        self._clock = clock
        self._providers: dict[tuple[str, str, str], TokenProvider] = {}

    @staticmethod
    def _key(auth_url: str, client_id: str, client_secret: SecretStr) -> tuple[str, str, str]:
        digest = hashlib.sha256(client_secret.get_secret_value().encode()).hexdigest()
        return auth_url, client_id, digest

    def get(self, auth_url: str, client_id: str, client_secret: SecretStr) -> TokenProvider:
        key = self._key(auth_url, client_id, client_secret)
        provider = self._providers.get(key)
        if provider is None:
            provider = TokenProvider(
                http=self._http,
                auth_url=auth_url,
                client_id=client_id,
                client_secret=client_secret,
                audience=self._audience,
                refresh_margin=self._refresh_margin,
                timeout=self._timeout,
                clock=self._clock,
            )
            self._providers[key] = provider
        return provider

    def forget(self, auth_url: str, client_id: str, client_secret: SecretStr) -> None:
        """Drop a credential's provider (e.g. one that failed validation)."""
        self._providers.pop(self._key(auth_url, client_id, client_secret), None)
