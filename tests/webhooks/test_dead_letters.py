"""Undeliverable updates: permanent Slack errors take the booker's DM or become dead letters,
transient ones are retried within bounds, and a dead letter never blocks its booking."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from bot.devtools.fake_slack import FakeSlack
from bot.notify.notifier import Notifier
from bot.store import Store
from tests.store.conftest import FakeClock

from .conftest import Drain, WebhookServer
from .support import at, booking_json, booking_record, envelope, seed_booking

pytestmark = pytest.mark.timeout(90)


def _text(message: dict[str, Any]) -> str:
    return message["text"] + json.dumps(message.get("blocks") or [])


def _post_errors(fake: FakeSlack) -> list[str | None]:
    return [call.response.get("error") for call in fake.calls_to("chat.postMessage")]


async def test_a_channel_answering_restricted_action_sends_the_update_by_dm(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    record = await seed_booking(store, fake, "29|CO|ra")
    fake.inject("chat.postMessage", error="restricted_action")  # e.g. posting restricted
    await webhook_server().post(
        envelope(booking_json("29|CO|ra", "cancelled", at(1), reason="Venue closed"))
    )

    await drain_outbox(make_notifier(), store)

    [dm] = fake.messages("D_ALICE")
    assert "Declined" in _text(dm) and "Venue closed" in _text(dm)  # pending, then refused
    assert fake.thread("C_GENERAL", record.message_ts or "") == []
    assert _post_errors(fake) == ["restricted_action", None]
    assert (await store.outbox_stats())["dead"] == 0


async def test_no_channel_and_no_dm_makes_a_dead_letter_with_its_reason(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    # The bot is not in C_RANDOM, and the booker's account no longer exists.
    await store.save_booking(
        booking_record("29|CO|nobody", channel_id="C_RANDOM", user_id="U_LEFT_LONG_AGO")
    )
    await webhook_server().post(envelope(booking_json("29|CO|nobody", "cancelled", at(1))))

    await drain_outbox(make_notifier(), store)

    [dead] = await store.list_dead_outbox()
    assert dead.booking_id == "29|CO|nobody"
    assert dead.reason == "cannot DM the booker (user_not_found)"
    assert (await store.outbox_stats())["done"] == 0


async def test_a_permanent_error_is_not_retried_and_later_updates_proceed(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    record = await seed_booking(store, fake, "29|CO|blocks")
    fake.inject("chat.postMessage", error="invalid_blocks")
    server = webhook_server()
    await server.post(envelope(booking_json("29|CO|blocks", "confirmed", at(1))))
    await drain_outbox(make_notifier(), store)

    [dead] = await store.list_dead_outbox()
    assert dead.reason == "Slack error invalid_blocks (permanent)"
    assert _post_errors(fake) == ["invalid_blocks"]  # given up at once, not retried

    await server.post(envelope(booking_json("29|CO|blocks", "cancelled", at(2))))
    await drain_outbox(make_notifier(), store)
    [reply] = fake.thread("C_GENERAL", record.message_ts or "")
    assert "Cancelled" in _text(reply)


@pytest.mark.parametrize("settings_overrides", [{"notifier_max_attempts": 3}])
async def test_a_job_failing_500_dies_after_the_cap_and_the_next_update_is_delivered(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    record = await seed_booking(store, fake, "29|CO|500")
    fake.inject("chat.postMessage", status=500, count=3)  # every try the cap allows
    server = webhook_server()
    await server.post(envelope(booking_json("29|CO|500", "confirmed", at(1))))
    await server.post(envelope(booking_json("29|CO|500", "cancelled", at(2))))

    await drain_outbox(make_notifier(), store)

    [dead] = await store.list_dead_outbox()
    assert dead.reason == "Slack HTTP 500; gave up after 3 failures"
    assert dead.attempts == 3
    assert _post_errors(fake) == ["internal_error"] * 3 + [None]
    [reply] = fake.thread("C_GENERAL", record.message_ts or "")
    assert "Cancelled" in _text(reply)  # the later update was not held up
    parent = fake.message("C_GENERAL", record.message_ts or "")
    assert parent is not None and "Cancelled" in parent["text"]
    assert await store.outbox_stats() == {
        "pending": 0, "retrying": 0, "leased": 0, "done": 1, "dead": 1
    }  # fmt: skip

    # Once Slack is back, the dead letter can be retried: it arrives, marked as late.
    assert await store.retry_dead_outbox(dead.id) == 1
    await drain_outbox(make_notifier(), store)
    replies = fake.thread("C_GENERAL", record.message_ts or "")
    assert len(replies) == 2 and "Confirmed" in _text(replies[1])
    assert "received late" in _text(replies[1])
    parent = fake.message("C_GENERAL", record.message_ts or "")
    assert parent is not None and "Cancelled" in parent["text"]  # never overwritten


async def test_a_transient_failure_past_the_maximum_age_is_a_dead_letter(
    webhook_server: Callable[..., WebhookServer],
    db_url: str,
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    await seed_booking(store, fake, "29|CO|old")
    await webhook_server().post(envelope(booking_json("29|CO|old", "confirmed", at(1))))
    clock = FakeClock()
    clock.advance(dt.timedelta(days=1, seconds=1).total_seconds())  # NOTIFIER_MAX_AGE: 1 day
    later = await Store.connect(db_url, clock=clock)
    fake.inject("chat.postMessage", status=503)
    try:
        await drain_outbox(make_notifier(store=later), store)
    finally:
        await later.close()

    [dead] = await store.list_dead_outbox()
    assert dead.reason == "Slack HTTP 503; still failing after NOTIFIER_MAX_AGE (86400 s)"
    assert _post_errors(fake) == ["internal_error"]
