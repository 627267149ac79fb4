"""The notifier against a fake Slack: replies, updates, order, failures, fallbacks, restarts."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from bot.devtools.fake_slack import BOT_USER_ID, Channel, FakeSlack
from bot.notify.notifier import METADATA_EVENT_TYPE, Notifier
from bot.store import Store

from .conftest import Drain, WebhookServer
from .support import at, booking_json, booking_record, envelope, outbox_drained, seed_booking

pytestmark = pytest.mark.timeout(90)


def _text(message: dict[str, Any]) -> str:
    return message["text"] + json.dumps(message.get("blocks") or [])


def _job_ids(messages: list[dict[str, Any]]) -> list[int]:
    return [m["metadata"]["event_payload"]["job_id"] for m in messages if m.get("metadata")]


async def test_reply_in_thread_then_update_the_confirmation_message(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    record = await seed_booking(store, fake, "29|CO|t1")
    assert record.message_ts is not None
    reason = "Confirmed by <!channel> & <@U_BOB>"
    await webhook_server().post(
        envelope(booking_json("29|CO|t1", "confirmed", at(1), reason=reason))
    )

    await drain_outbox(make_notifier(), store)

    replies = fake.thread("C_GENERAL", record.message_ts)
    assert len(replies) == 1
    reply = _text(replies[0])
    assert "Pending → " in reply and "Confirmed" in reply
    assert "&lt;!channel&gt; &amp; &lt;@U_BOB&gt;" in reply
    assert "<!channel>" not in reply and "<@U_BOB>" not in reply
    assert replies[0]["metadata"]["event_type"] == METADATA_EVENT_TYPE
    parent = fake.message("C_GENERAL", record.message_ts)
    assert parent is not None and "Confirmed" in parent["text"]
    stored = await store.get_booking("29|CO|t1")
    assert stored is not None and stored.status == "confirmed"


async def test_creation_event_of_an_app_booking_adds_no_reply(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    record = await seed_booking(store, fake, "29|CO|new")
    assert record.message_ts is not None
    server = webhook_server()
    created = envelope(booking_json("29|CO|new", "pending", at(1)), event_type="booking.created")
    assert (await server.post(created)).status_code == 204
    await drain_outbox(make_notifier(), store)
    assert fake.thread("C_GENERAL", record.message_ts) == []

    assert (
        await server.post(envelope(booking_json("29|CO|new", "confirmed", at(2))))
    ).status_code == 204
    await drain_outbox(make_notifier(), store)

    [reply] = fake.thread("C_GENERAL", record.message_ts)
    assert "Pending → " in _text(reply) and "Confirmed" in _text(reply)


async def test_shuffled_updates_end_on_the_newest_status_without_stale_overwrites(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
) -> None:
    record = await seed_booking(store, fake, "29|CO|ord")
    assert record.message_ts is not None
    server = webhook_server()
    # Bookable reports the creation first (no reply: the confirmation shows it).
    created = envelope(booking_json("29|CO|ord", "pending", at(0)))
    assert (await server.post(created)).status_code == 204
    updates = [
        ("confirmed", at(1)),
        ("pending", at(2)),  # the venue re-opened it
        ("confirmed", at(3)),
        ("cancelled", at(4)),
    ]
    bodies = [envelope(booking_json("29|CO|ord", s, when)) for s, when in updates]
    order = list(range(len(bodies)))
    random.Random(7).shuffle(order)
    notifier = make_notifier()
    await notifier.start()
    for index in order:  # delivered shuffled, with redeliveries, while the notifier runs
        assert (await server.post(bodies[index])).status_code == 204
        assert (await server.post(bodies[index])).status_code == 204
        await asyncio.sleep(0.05)

    await fake.wait_for(lambda: len(fake.thread("C_GENERAL", record.message_ts or "")) == 4)
    await outbox_drained(store)  # every job finished: nothing more can arrive

    replies = fake.thread("C_GENERAL", record.message_ts)
    assert len(replies) == 4
    assert len(set(_job_ids(replies))) == 4
    parent = fake.message("C_GENERAL", record.message_ts)
    # pending → cancelled reads as the venue's decline; whether the cancel's predecessor was
    # the pending or the confirmed update depends on which had arrived when it was shown.
    assert parent is not None and re.search("Cancelled|Declined", parent["text"])
    # Every update of the parent showed a status at least as new as the one before: some
    # minute of that status is never earlier than the previous update's (confirmed was sent
    # at minutes 1 and 3, so pending then confirmed is in order too).
    minutes = {"confirmed": (1, 3), "pending": (2,), "cancelled": (4,), "declined": (4,)}
    newest = 0
    for call in fake.calls_to("chat.update"):
        text = call.args["text"].lower()
        status = next(s for s in minutes if s in text)
        later = [m for m in minutes[status] if m >= newest]
        assert later, (status, newest, [c.args["text"] for c in fake.calls_to("chat.update")])
        newest = later[0]
    stored = await store.get_booking("29|CO|ord")
    assert stored is not None and stored.status in ("cancelled", "declined")


async def test_an_older_update_arriving_late_is_marked_and_never_overwrites(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    record = await seed_booking(store, fake, "29|CO|late")
    assert record.message_ts is not None
    server = webhook_server()
    notifier = make_notifier()
    await server.post(envelope(booking_json("29|CO|late", "cancelled", at(5))))
    await drain_outbox(notifier, store)
    updates_before = len(fake.calls_to("chat.update"))

    await server.post(envelope(booking_json("29|CO|late", "confirmed", at(1))))
    await drain_outbox(notifier, store)

    replies = fake.thread("C_GENERAL", record.message_ts)
    assert len(replies) == 2
    assert "received late" in _text(replies[1]).lower()
    assert len(fake.calls_to("chat.update")) == updates_before == 1
    parent = fake.message("C_GENERAL", record.message_ts)
    # Pending, then cancelled by the venue: its decline.
    assert parent is not None and "Declined" in parent["text"]


async def test_slack_failures_are_retried_and_every_update_posted_once(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
) -> None:
    records = [await seed_booking(store, fake, f"29|CO|f{i}") for i in range(4)]
    fake.inject("chat.postMessage", status=500, count=4)
    fake.inject("chat.postMessage", status=429, retry_after=1, count=2)
    fake.inject("chat.update", status=503, count=2)
    server = webhook_server()
    notifier = make_notifier()
    await notifier.start()
    for i, record in enumerate(records):
        for minute, status in ((1, "confirmed"), (2, "cancelled")):
            body = envelope(booking_json(record.booking_id, status, at(minute + i)))
            assert (await server.post(body)).status_code == 204

    def all_posted() -> bool:
        return all(len(fake.thread("C_GENERAL", r.message_ts or "")) == 2 for r in records)

    await fake.wait_for(all_posted, within=30)
    await outbox_drained(store)  # every job finished: nothing more can arrive

    for record in records:
        replies = fake.thread("C_GENERAL", record.message_ts or "")
        assert len(replies) == 2
        parent = fake.message("C_GENERAL", record.message_ts or "")
        assert parent is not None and "Cancelled" in parent["text"]
    failures = [c for c in fake.calls_to("chat.postMessage") if c.http_status != 200]
    assert len(failures) == 6  # the injected ones: each was retried, none dropped


async def test_a_post_that_times_out_but_landed_is_not_posted_again(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    # The crash window: Slack posts the message but we never see its answer.
    record = await seed_booking(store, fake, "29|CO|slow")
    fake.inject("chat.postMessage", delay=1.5)
    await webhook_server().post(envelope(booking_json("29|CO|slow", "confirmed", at(1))))

    await drain_outbox(make_notifier(slack_timeout=1.0, lease_seconds=10.0), store)

    assert len(fake.thread("C_GENERAL", record.message_ts or "")) == 1
    lookups = fake.calls_to("conversations.replies")
    assert lookups and lookups[0].args.get("include_all_metadata") in ("1", "true", True)


@pytest.mark.parametrize("lost", ["not_in_channel", "is_archived"])
async def test_lost_channel_falls_back_to_the_bookers_dm(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
    lost: str,
) -> None:
    if lost == "is_archived":
        fake.add_channel(Channel("C_OLD", "old-team", [BOT_USER_ID], is_archived=True))
        channel = "C_OLD"
    else:
        channel = "C_RANDOM"  # the bot is not a member
    await store.save_booking(
        booking_record("29|CO|dm", channel_id=channel, message_ts="1700000000.000100")
    )
    await webhook_server().post(
        envelope(booking_json("29|CO|dm", "cancelled", at(1), reason="Venue closed"))
    )

    await drain_outbox(make_notifier(), store)

    dms = fake.messages("D_ALICE")
    assert len(dms) == 1
    # The seeded enquiry was pending: the venue's cancel is its decline.
    assert "Declined" in _text(dms[0]) and "Venue closed" in _text(dms[0])
    assert "Dishoom Shoreditch" in _text(dms[0])
    assert fake.calls_to("chat.update") == []
    assert [c.response.get("error") for c in fake.calls_to("chat.postMessage")] == [lost, None]


async def test_foreign_bookings_go_to_subscribed_channels_only(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    fake.add_channel(Channel("C_HAWKS", "hawksmoor", [BOT_USER_ID]))
    fake.add_channel(Channel("C_CANCEL", "cancellations", [BOT_USER_ID]))
    await store.add_subscription("T0PLAYGRND", "C_HAWKS", created_by="U_BOB", venue="hawksmoor")
    await store.add_subscription("T0PLAYGRND", "C_CANCEL", created_by="U_BOB", status="cancelled")
    server = webhook_server()
    await server.post(
        envelope(
            booking_json("29|CO|h1", "confirmed", at(1), venue="Hawksmoor <!here>", group="HM"),
            booking_json("29|CO|d1", "confirmed", at(1)),  # Dishoom: nobody subscribed
            booking_json("29|CO|d2", "cancelled", at(2), reason="No-show risk"),
        )
    )

    await drain_outbox(make_notifier(), store)

    hawks = fake.messages("C_HAWKS")
    assert len(hawks) == 1
    assert "Hawksmoor &lt;!here&gt;" in _text(hawks[0])
    assert "john.doe@example.com" not in _text(hawks[0])  # guest details stay out
    cancellations = fake.messages("C_CANCEL")
    assert len(cancellations) == 1 and "Dishoom Shoreditch" in _text(cancellations[0])
    assert fake.messages("C_GENERAL") == []


@pytest.mark.parametrize("fake_options", [{"rate_per_channel": 20.0, "burst": 3}])
@pytest.mark.parametrize(
    "settings_overrides", [{"notifier_channel_rate": 20.0, "notifier_channel_burst": 3}]
)
async def test_pacing_draws_no_429_and_other_channels_are_not_held_up(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
) -> None:
    fake.add_channel(Channel("C_QUIET", "quiet", [BOT_USER_ID]))
    busy = [await seed_booking(store, fake, f"29|CO|p{i}") for i in range(12)]
    quiet = await seed_booking(store, fake, "29|CO|q", channel_id="C_QUIET")
    server = webhook_server()
    body = envelope(*(booking_json(r.booking_id, "confirmed", at(1)) for r in busy))
    assert (await server.post(body)).status_code == 204
    assert (
        await server.post(envelope(booking_json(quiet.booking_id, "confirmed", at(1))))
    ).status_code == 204
    notifier = make_notifier()
    await notifier.start()

    def done() -> bool:
        return all(len(fake.thread(r.channel_id, r.message_ts or "")) == 1 for r in [*busy, quiet])

    await fake.wait_for(done, within=20)

    assert fake.rate_limited_count == 0
    channels = [c.args["channel"] for c in fake.calls_to("chat.postMessage")]  # in order
    last_busy = len(channels) - 1 - channels[::-1].index("C_GENERAL")
    assert channels.index("C_QUIET") < last_busy  # it did not queue behind the busy channel
    assert fake.calls_to("conversations.replies") == []  # no needless lookups


@pytest.mark.parametrize("fake_options", [{"rate_per_channel": 2.0, "burst": 2}])
@pytest.mark.parametrize(
    "settings_overrides", [{"notifier_channel_rate": 2.0, "notifier_channel_burst": 2}]
)
async def test_jobs_paced_far_ahead_go_back_to_the_outbox_and_keep_their_slot(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    busy = [await seed_booking(store, fake, f"29|CO|s{i}") for i in range(5)]
    body = envelope(*(booking_json(r.booking_id, "confirmed", at(1)) for r in busy))
    assert (await webhook_server().post(body)).status_code == 204

    # Slots at 0, 0.5, 1, 1.5 and 2 s: the last two are further off than the 1 s hold.
    await drain_outbox(make_notifier(max_hold=1.0), store)

    assert all(len(fake.thread("C_GENERAL", r.message_ts or "")) == 1 for r in busy)
    assert fake.rate_limited_count == 0
    assert fake.calls_to("conversations.replies") == []  # a paced job is not suspect
    async with store.engine.connect() as connection:
        errors = (await connection.execute(text("SELECT last_error FROM outbox"))).scalars()
        assert sum(1 for e in errors if e and "send slot" in e) >= 1


async def test_restart_mid_run_loses_and_doubles_nothing(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    db_url: str,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    records = [await seed_booking(store, fake, f"29|CO|r{i}") for i in range(6)]
    server = webhook_server()
    for record in records:
        for minute, status in ((1, "confirmed"), (2, "completed")):
            await server.post(envelope(booking_json(record.booking_id, status, at(minute))))
    fake.inject("chat.postMessage", delay=0.4, count=100)  # slow Slack: stop lands mid-run
    first = make_notifier(worker_id="first")
    await first.start()
    await fake.wait_for(lambda: len(fake.calls_to("chat.postMessage")) >= 3, within=10)
    await first.stop()  # calls in flight finish; everything else is handed back
    fake.clear_faults()
    posted_by_first = len(fake.calls_to("chat.postMessage"))
    assert 3 <= posted_by_first < 12

    second_store = await Store.connect(db_url)
    try:
        await drain_outbox(make_notifier(worker_id="second", store=second_store), second_store)
    finally:
        await second_store.close()

    for record in records:
        replies = fake.thread("C_GENERAL", record.message_ts or "")
        assert len(replies) == 2, replies
        assert len(set(_job_ids(replies))) == 2
        parent = fake.message("C_GENERAL", record.message_ts or "")
        assert parent is not None and "Completed" in parent["text"]


@pytest.mark.parametrize("ghost_posted", [True, False])
async def test_a_worker_that_died_mid_post_is_neither_repeated_nor_lost(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
    ghost_posted: bool,
) -> None:
    record = await seed_booking(store, fake, "29|CO|ghost")
    assert record.message_ts is not None
    await webhook_server().post(envelope(booking_json("29|CO|ghost", "confirmed", at(1))))
    # A worker claims the job and dies (kill -9): maybe after Slack took its post.
    [job] = await store.claim_outbox("ghost", limit=1, lease_seconds=1.0)
    if ghost_posted:
        with fake.lock:
            fake.workspace.messages.post(
                "C_GENERAL",
                text="Booking status: Confirmed",
                thread_ts=record.message_ts,
                metadata={
                    "event_type": METADATA_EVENT_TYPE,
                    "event_payload": {"job_id": job.id, "event_id": job.event_id},
                },
            )
    await asyncio.sleep(1.2)  # the lease runs out

    await drain_outbox(make_notifier(), store)

    assert len(fake.thread("C_GENERAL", record.message_ts)) == 1
    assert len(fake.calls_to("conversations.replies")) == 1
    assert len(fake.calls_to("chat.postMessage")) == (0 if ghost_posted else 1)
    parent = fake.message("C_GENERAL", record.message_ts)
    assert parent is not None and "Confirmed" in parent["text"]
