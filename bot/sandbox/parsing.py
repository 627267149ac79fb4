"""Small helpers for reading what clients send."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request

from bot.sandbox.problems import invalid


async def json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise invalid("The request body is not valid JSON.") from None


async def json_object(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    return body


def describe(error: ValidationError) -> str:
    """`firstName: Field required; partySize: ...` without echoing input values."""
    parts = []
    for item in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def parse_date(value: str | None, name: str = "date") -> date:
    if not value:
        raise invalid(f"{name} is required (YYYY-MM-DD).")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(f"{name} must be YYYY-MM-DD, got {value!r}.") from None


def parse_int(value: str | None, name: str, *, low: int, high: int, default: int | None) -> int:
    if value is None or value == "":
        if default is None:
            raise invalid(f"{name} is required.")
        return default
    try:
        number = int(value)
    except ValueError:
        raise invalid(f"{name} must be an integer.") from None
    if not low <= number <= high:
        raise invalid(f"{name} must be between {low} and {high}.")
    return number
