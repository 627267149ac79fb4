"""Typed errors for Bookable calls. Messages never contain tokens or secrets."""

from __future__ import annotations

from typing import Any


class BookableError(Exception):
    """Base class. `correlation_id` lets support trace the call at Bookable."""

    def __init__(self, message: str, *, correlation_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.correlation_id = correlation_id

    def __str__(self) -> str:
        suffix = f" (correlation id {self.correlation_id})" if self.correlation_id else ""
        return f"{self.message}{suffix}"


class BookableProblem(BookableError):
    """A ProblemDetails (RFC 9457) answer from the API."""

    def __init__(
        self,
        *,
        status: int,
        title: str | None,
        detail: str | None,
        code: str | None,
        is_retryable: bool,
        correlation_id: str | None,
        body: dict[str, Any] | None = None,
        method: str | None = None,
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.is_retryable = is_retryable
        self.body = body or {}
        self.method = method  # of the request refused (the same status means other things)
        text = detail or title or f"HTTP {status}"
        super().__init__(
            f"Bookable {status} {code or ''}: {text}".replace("  ", " "),
            correlation_id=correlation_id,
        )


class NotFound(BookableProblem):
    """404."""


class Conflict(BookableProblem):
    """409/422 from booking: the slot is gone or the request breaks a venue rule."""


class RateLimited(BookableProblem):
    """429 that outlasted the client's bounded waiting."""

    def __init__(self, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retry_after: float | None = retry_after


class Unauthorized(BookableProblem):
    """401 even after one token refresh and retry."""


class Forbidden(BookableProblem):
    """403: the token lacks a scope."""


class ServerError(BookableProblem):
    """5xx that outlasted the client's bounded retries."""


class TokenError(BookableError):
    """The token endpoint refused or failed. Carries Auth0's error text, never the secret."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error: str | None = None,
        error_description: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        super().__init__(message, correlation_id=correlation_id)
        self.status = status
        self.error = error
        self.error_description = error_description


class TransportError(BookableError):
    """Network failure or timeout talking to Bookable."""


class ResponseFormatError(BookableError):
    """Bookable answered with a body we cannot parse."""


def problem_class(status: int) -> type[BookableProblem]:
    if status == 401:
        return Unauthorized
    if status == 403:
        return Forbidden
    if status == 404:
        return NotFound
    if status in (409, 422):
        return Conflict
    if status == 429:
        return RateLimited
    if status >= 500:
        return ServerError
    return BookableProblem
