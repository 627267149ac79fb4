"""Serve the fake Slack in its own process for the benchmarks.

`python -m bench.fake_slack_server --port N [--rate-per-channel R] [--burst B] [--users N]`

Besides the fake's own routes (`/api/{method}`, `/response/{token}`, `/_fake/*`) it adds a
few `/_bench/*` helpers so the load generator can work over HTTP alone: mint response_urls
and trigger_ids in batches, read calls incrementally, count calls, change the rate limit.
Trigger ids live for `--trigger-ttl` seconds (default 600, not Slack's 3) because load is
built ahead of time; ack timing does not depend on it.
"""

from __future__ import annotations

import argparse
import collections
import logging
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.slack_requests import BENCH_USER_PREFIX, bench_channel_ids, bench_user_ids
from bot.devtools.fake_slack import BOT_USER_ID, Channel, FakeSlack, SlackDriver, User

MAX_MINT = 20_000


class BenchFakeSlack:
    def __init__(self, fake: FakeSlack, users: int, channels: int) -> None:
        self.fake = fake
        self.user_ids = bench_user_ids(users)
        self.channel_ids = bench_channel_ids(channels)
        self._add_users()
        fake.app.router.routes[:0] = [
            Route("/_bench/mint", self.mint, methods=["POST"]),
            Route("/_bench/calls", self.calls, methods=["GET"]),
            Route("/_bench/stats", self.stats, methods=["GET"]),
            Route("/_bench/rate", self.rate, methods=["POST"]),
            Route("/_bench/reset", self.reset, methods=["POST"]),
            Route("/_bench/book", self.book, methods=["POST"]),
        ]

    def _add_users(self) -> None:
        for user_id in self.user_ids:
            number = user_id.removeprefix(BENCH_USER_PREFIX)
            self.fake.add_user(
                User(user_id, f"bench{number}", "Bench", f"User {number}", f"bench{number}@x.test")
            )
        for channel_id in self.channel_ids:
            name = channel_id.lower().replace("_", "-")
            self.fake.add_channel(Channel(channel_id, name, [*self.user_ids, BOT_USER_ID]))

    async def mint(self, request: Request) -> Response:
        """{"kind": "response_url"|"trigger", "user", "channel"?, "message_ts"?, "count"?}"""
        body: dict[str, Any] = await request.json()
        count = min(int(body.get("count", 1)), MAX_MINT)
        user = str(body["user"])
        if body["kind"] == "trigger":
            values = [self.fake.issue_trigger_id(user) for _ in range(count)]
        else:
            channel, ts = str(body["channel"]), body.get("message_ts")
            values = [self.fake.new_response_url(channel, user, ts) for _ in range(count)]
        return JSONResponse({"values": values})

    async def calls(self, request: Request) -> Response:
        """Recorded calls from index `since` on, optionally only one `method`."""
        since = int(request.query_params.get("since", "0"))
        method = request.query_params.get("method")
        with self.fake.lock:
            recorded = self.fake._calls[since:]  # read under the fake's own lock
            total = since + len(recorded)
            chosen = [c.to_json() for c in recorded if method is None or c.method == method]
        return JSONResponse({"next": total, "calls": chosen})

    async def stats(self, request: Request) -> Response:
        with self.fake.lock:
            by_method = collections.Counter(call.method for call in self.fake._calls)
            by_status = collections.Counter(str(call.http_status) for call in self.fake._calls)
            limited = self.fake.rate_limited_count
            total = len(self.fake._calls)
        return JSONResponse(
            {
                "calls": dict(by_method),
                "statuses": dict(by_status),
                "rate_limited": limited,
                "total": total,
            }
        )

    async def rate(self, request: Request) -> Response:
        body: dict[str, Any] = await request.json()
        self.fake.rate_per_channel = body.get("rate_per_channel")
        self.fake.burst = int(body.get("burst", self.fake.burst))
        return JSONResponse({"rate_per_channel": self.fake.rate_per_channel})

    async def book(self, request: Request) -> Response:
        """{"app_url", "user", "channel", "query"}: make a real booking through the app."""
        from bench.booking_flow import book_through_slack  # only this endpoint needs the app

        body: dict[str, Any] = await request.json()
        driver = SlackDriver(self.fake, str(body["app_url"]), self.fake.signing_secret)
        try:
            made = await book_through_slack(
                self.fake,
                driver,
                user=str(body["user"]),
                channel=str(body["channel"]),
                query=str(body["query"]),
            )
        except (RuntimeError, TimeoutError, LookupError) as error:
            return JSONResponse({"error": f"{type(error).__name__}: {error}"}, status_code=500)
        return JSONResponse(made)

    async def reset(self, request: Request) -> Response:
        self.fake.reset()
        self._add_users()
        return JSONResponse({"ok": True})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bot-token", default="xoxb-bench-token")
    parser.add_argument("--signing-secret", default="bench-signing-secret")
    parser.add_argument("--rate-per-channel", type=float, default=None)
    parser.add_argument("--burst", type=int, default=3)
    parser.add_argument("--users", type=int, default=120)
    parser.add_argument("--channels", type=int, default=0, help="channels with the bot in them")
    parser.add_argument("--trigger-ttl", type=float, default=600.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    fake = FakeSlack(
        bot_token=args.bot_token,
        signing_secret=args.signing_secret,
        rate_per_channel=args.rate_per_channel,
        burst=args.burst,
        trigger_ttl=args.trigger_ttl,
    )
    fake.base_url = f"http://{args.host}:{args.port}"
    BenchFakeSlack(fake, args.users, args.channels)
    uvicorn.run(fake.app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
