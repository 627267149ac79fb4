"""A booking whose create answer was lost: its webhook names the submission
(`partnerBookingId`), and the notifier records it and posts the confirmation, once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.devtools.fake_slack import FakeSlack
from bot.notify.notifier import Notifier
from bot.store import Store

from .conftest import Drain, WebhookServer
from .support import at, booking_json, envelope

pytestmark = pytest.mark.timeout(90)

KEY = "view-key-0001"
BOOKING = "29|CO|lost-answer"
CONTEXT = {
    "team_id": "T0PLAYGRND",
    "user_id": "U_ALICE",
    "channel_id": "C_GENERAL",
    "composite_id": "29|CO|product",
    "venue_name": "Dishoom <Shoreditch>",
    "product_name": "Dinner",
    "venue_group": "Dishoom",
    "date": "2025-06-25",
    "time": "19:30",
    "party_size": 4,
}


def created(status: str = "confirmed", *, key: str | None = KEY, minutes: float = 1) -> bytes:
    booking = booking_json(BOOKING, status, at(minutes))
    if key is not None:
        booking["partnerBookingId"] = key
    return envelope(booking, event_type="booking.created")


def confirmations(fake: FakeSlack, channel: str = "C_GENERAL") -> list[dict[str, Any]]:
    return [m for m in fake.messages(channel) if str(m.get("text", "")).startswith("Booking at")]


async def open_submission(store: Store, context: dict[str, Any] | None = CONTEXT) -> None:
    assert (
        await store.begin_submission(KEY, team_id="T0PLAYGRND", user_id="U_ALICE", context=context)
    ).state == "new"


async def test_unknown_booking_naming_a_submission_is_adopted_and_confirmed_once(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    await open_submission(store)
    server = webhook_server()
    assert (await server.post(created())).status_code == 204
    await drain_outbox(make_notifier(), store)

    [posted] = confirmations(fake)
    assert "Dishoom &lt;Shoreditch&gt;" in str(posted["blocks"])  # escaped like any venue
    record = await store.get_booking(BOOKING)
    assert record is not None
    assert (record.user_id, record.channel_id, record.message_ts) == (
        "U_ALICE", "C_GENERAL", posted["ts"],
    )  # fmt: skip
    assert (record.status, record.time, record.party_size) == ("confirmed", "19:30", 4)
    submission = await store.get_submission(KEY)
    assert submission is not None
    assert (submission.state, submission.booking_id) == ("done", BOOKING)
    # The create's late answer finds it done: it neither saves nor posts again.
    assert not await store.finish_submission(KEY, BOOKING, record=record)

    # Bookable delivers it again, then a later change: no second confirmation, a reply.
    assert (await server.post(created())).status_code == 204
    update = booking_json(BOOKING, "cancelled", at(2), reason="Venue closed")
    update["partnerBookingId"] = KEY
    assert (await server.post(envelope(update))).status_code == 204
    await drain_outbox(make_notifier(), store)
    assert len(confirmations(fake)) == 1
    assert len(fake.thread("C_GENERAL", posted["ts"])) == 1


async def test_adoption_in_a_dm_search_confirms_in_the_dm(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    await open_submission(store, CONTEXT | {"channel_id": "D_ALICE"})
    assert (await webhook_server().post(created())).status_code == 204
    await drain_outbox(make_notifier(), store)
    assert confirmations(fake) == []
    [posted] = confirmations(fake, "D_ALICE")
    record = await store.get_booking(BOOKING)
    assert record is not None and record.posted_in_dm and record.message_ts == posted["ts"]


async def test_adoption_falls_back_to_the_dm_when_the_channel_refuses(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    await open_submission(store, CONTEXT | {"channel_id": "C_RANDOM"})  # bot not a member
    assert (await webhook_server().post(created())).status_code == 204
    await drain_outbox(make_notifier(), store)
    [posted] = confirmations(fake, "D_ALICE")
    record = await store.get_booking(BOOKING)
    assert record is not None and record.posted_in_dm and record.message_ts == posted["ts"]


async def test_a_slack_failure_mid_adoption_still_confirms_exactly_once(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    await open_submission(store)
    fake.inject("chat.postMessage", status=500, error="internal_error")
    assert (await webhook_server().post(created())).status_code == 204
    await drain_outbox(make_notifier(), store)
    assert len(confirmations(fake)) == 1
    record = await store.get_booking(BOOKING)
    assert record is not None and record.message_ts == confirmations(fake)[0]["ts"]


@pytest.mark.parametrize(
    ("key", "state"),
    [(None, "open"), ("some-other-key", "open"), (KEY, "finished by the app")],
)
async def test_nothing_is_adopted_without_an_open_submission_naming_it(
    key: str | None,
    state: str,
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    await open_submission(store)
    if state == "finished by the app":
        await store.finish_submission(KEY, "29|CO|another-booking")
    assert (await webhook_server().post(created(key=key))).status_code == 204
    await drain_outbox(make_notifier(), store)
    assert confirmations(fake) == []
    assert await store.get_booking(BOOKING) is None
