"""The server `serve` builds: routes, health, and oversized bodies."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
from sqlalchemy import insert

from bot.devtools.stack import LocalStack
from bot.store import Store
from bot.store.schema import outbox


def test_healthz_reports_database_and_outbox(stack: LocalStack) -> None:
    response = httpx.get(f"{stack.app_url}/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert set(body["outbox"]) >= {"pending", "retrying", "leased", "done", "dead"}
    assert "warnings" not in body


async def _add_dead_letter(database_url: str) -> None:
    store = await Store.connect(database_url)
    now = dt.datetime.now(dt.UTC)
    try:
        async with store.engine.begin() as connection:
            await connection.execute(
                insert(outbox).values(
                    booking_id="29|CO|gone",
                    status="cancelled",
                    order_key="",
                    state="dead",
                    available_at=now,
                    attempts=12,
                    progress={},
                    created_at=now,
                    dead_reason="Slack HTTP 500; gave up after 12 failures",
                    dead_at=now,
                )
            )
    finally:
        await store.close()


def test_healthz_shows_dead_letters_and_stays_up(stack: LocalStack) -> None:
    asyncio.run(_add_dead_letter(stack.database_url))
    response = httpx.get(f"{stack.app_url}/healthz")

    assert response.status_code == 200  # the app still serves; the dead letter needs a person
    body = response.json()
    assert body["ok"] is True and body["outbox"]["dead"] == 1
    assert body["warnings"] == ["1 undeliverable update(s): see `bookable-bot outbox`"]


def test_huge_slack_body_is_refused_with_413_and_nothing_reaches_slack(stack: LocalStack) -> None:
    calls_before = len(stack.fake.calls)
    response = httpx.post(
        f"{stack.app_url}/slack/events",
        content=b"payload=" + b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 413
    assert len(stack.fake.calls) == calls_before


def test_streamed_body_without_length_is_cut_off_at_the_limit(stack: LocalStack) -> None:
    def chunks():  # no Content-Length: the limit must hold while streaming
        for _ in range(40):
            yield b"y" * 65536

    response = httpx.post(f"{stack.app_url}/webhooks/bookable", content=chunks())

    assert response.status_code == 413


def test_unknown_path_is_404(stack: LocalStack) -> None:
    assert httpx.get(f"{stack.app_url}/nope").status_code == 404
