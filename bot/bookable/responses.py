"""Reading Bookable responses: ProblemDetails into typed errors, rate-limit headers."""

from __future__ import annotations

import email.utils
import math
import re
from typing import Any

import httpx

from bot.bookable.errors import BookableProblem, problem_class
from bot.bookable.models import RateLimit

# Error codes look like RESOURCE-X-NNN: X is R (retryable) or N (not).
_CODE_RETRY_LETTER = re.compile(r"-([RN])-")


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def explicit_retryable(body: dict[str, Any], code: str | None) -> bool | None:
    """What the server itself said about retrying: `isRetryable`, else the code's letter."""
    flag = body.get("isRetryable")
    if isinstance(flag, bool):
        return flag
    match = _CODE_RETRY_LETTER.search(code or "")
    return match.group(1) == "R" if match else None


def retryable_status(status: int) -> bool:
    """Retryability when Bookable's answer does not say (no `isRetryable`, no code: only
    the TMS Gateway API's schema requires them, §3.5): 5xx and 429 yes, other 4xx no."""
    return status >= 500 or status == 429


def problem_from_response(response: httpx.Response, correlation_id: str) -> BookableProblem:
    """The typed error for a non-2xx answer, ProblemDetails or not."""
    body = json_object(response) or {}
    content_type = response.headers.get("content-type", "")
    if "problem+json" not in content_type and not ("status" in body and "title" in body):
        body = {}  # some other JSON (or HTML from a proxy): keep none of it
    code = _text(body.get("code"))
    said = explicit_retryable(body, code)
    return problem_class(response.status_code)(
        status=response.status_code,
        title=_text(body.get("title")) or response.reason_phrase or None,
        detail=_text(body.get("detail")),
        code=code,
        is_retryable=said if said is not None else retryable_status(response.status_code),
        correlation_id=correlation_id,
        body=body,
        method=_method(response),
    )


def rate_limit(headers: httpx.Headers) -> RateLimit | None:
    limit = _number(headers.get("x-ratelimit-limit"))
    remaining = _number(headers.get("x-ratelimit-remaining"))
    reset = _number(headers.get("x-ratelimit-reset"))
    if limit is None and remaining is None and reset is None:
        return None
    return RateLimit(
        limit=int(limit) if limit is not None else None,
        remaining=int(remaining) if remaining is not None else None,
        reset_epoch=reset,
    )


def rate_limit_wait(headers: httpx.Headers, *, now: float, default: float) -> float:
    """Seconds to wait after a 429: X-RateLimit-Reset, else Retry-After, else `default`."""
    reset = _number(headers.get("x-ratelimit-reset"))
    if reset is not None:
        return max(0.0, reset - now)
    retry_after = headers.get("retry-after")
    if retry_after:
        seconds = _number(retry_after)
        if seconds is not None:
            return max(0.0, seconds)
        try:
            when = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError):
            return default
        return max(0.0, when.timestamp() - now)
    return default


def _method(response: httpx.Response) -> str | None:
    try:
        return response.request.method
    except RuntimeError:  # a response built without its request
        return None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
