"""The ack-latency baseline: a bare Bolt `AsyncApp` whose listeners only `ack()`.

Same server stack as the real app (Starlette + AsyncSlackRequestHandler + uvicorn, one
process), so the difference measures what our app adds in front of the ack.

`python -m bench.bare_app --port N` with SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and
SLACK_API_URL (the fake Slack) in the environment.
"""

from __future__ import annotations

import argparse
import os
import re

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def build_bare_app(signing_secret: str, bot_token: str, slack_api_url: str) -> Starlette:
    # Like the real app: a client for the given Web API root, so Bolt's one-off auth.test
    # (single-workspace authorization) goes to the fake Slack, never to slack.com.
    client = AsyncWebClient(token=bot_token, base_url=slack_api_url)
    bolt = AsyncApp(signing_secret=signing_secret, client=client)

    @bolt.command("/bookable")
    async def command(ack: AsyncAck) -> None:
        await ack()

    @bolt.action(re.compile(".*"))
    async def action(ack: AsyncAck) -> None:
        await ack()

    handler = AsyncSlackRequestHandler(bolt)

    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = build_bare_app(
        os.environ["SLACK_SIGNING_SECRET"],
        os.environ["SLACK_BOT_TOKEN"],
        os.environ["SLACK_API_URL"],
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
