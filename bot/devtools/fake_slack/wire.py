"""The HTTP edge of the fake Web API: reading arguments the way Slack does, recording calls."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from bot.devtools.fake_slack.webapi import JSON_FIELDS


@dataclass
class RecordedCall:
    method: str
    args: dict[str, Any]
    at: float
    response: dict[str, Any]
    http_status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    token: str | None = None  # the token the call carried (tests check whose it was)
    team_id: str | None = None  # the workspace that token belongs to, if known

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "args": self.args,
            "at": self.at,
            "response": self.response,
            "http_status": self.http_status,
            "team_id": self.team_id,
        }


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def read_args(request: Request) -> dict[str, Any]:
    """Query string, then form or JSON body, as Slack merges them; JSON fields decoded."""
    args: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if body:
        if "application/json" in request.headers.get("content-type", ""):
            parsed = json.loads(body)
            if not isinstance(parsed, dict):
                raise ValueError("JSON body must be an object")
            args.update(parsed)
        else:
            args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    for name in JSON_FIELDS:
        if isinstance(args.get(name), str) and args[name]:
            with contextlib.suppress(ValueError):  # else the handler answers invalid_*
                args[name] = json.loads(args[name])
    return args
