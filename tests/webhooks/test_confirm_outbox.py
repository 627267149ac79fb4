"""The confirmation of a booking made through the app is an outbox job ("confirm"), queued
with the booking record: Slack failing, or the process restarting, only delays it, and no
status update of the booking overtakes it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.devtools.fake_slack import FakeSlack
from bot.notify.notifier import Notifier
from bot.store import Store

from .conftest import Drain, WebhookServer
from .support import at, booking_json, booking_record, confirmations, envelope

pytestmark = pytest.mark.timeout(90)

KEY = "view-key-confirm"
BOOKING = "29|CO|made-by-the-app"


async def book_through_the_app(store: Store) -> None:
    """What `BookingService.create` does when Bookable answers."""
    await store.begin_submission(KEY, team_id="T0PLAYGRND", user_id="U_ALICE")
    record = booking_record(BOOKING, status="confirmed")
    assert await store.finish_submission(KEY, BOOKING, record=record)


async def test_the_confirmation_survives_slack_failures_and_a_restart(
    db_url: str,
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    await book_through_the_app(store)
    fake.inject("chat.postMessage", status=500, error="internal_error", count=1000)
    before_restart = make_notifier()
    await before_restart.start()
    await fake.wait_for(
        lambda: len(fake.calls_to("chat.postMessage")) >= 2, within=20
    )  # a failed attempt and its retry, past any client-side retry
    await before_restart.stop()  # the process goes away
    assert confirmations(fake) == []
    failed = len(fake.calls_to("chat.postMessage"))

    # The process restarts (a new store and notifier on the same database); Slack is back.
    fake.clear_faults()
    restarted = await Store.connect(db_url)
    try:
        await drain_outbox(make_notifier(store=restarted), restarted)
        [posted] = confirmations(fake)
        record = await restarted.get_booking(BOOKING)
    finally:
        await restarted.close()
    assert record is not None and record.message_ts == posted["ts"]
    assert not record.posted_in_dm
    assert len(fake.calls_to("chat.postMessage")) == failed + 1  # posted exactly once


async def test_a_status_update_never_overtakes_its_confirmation(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    """The update is queued first and carries no `lastUpdate` (it sorts first among its
    booking's updates): the confirmation still goes first, and the update is a reply
    under it."""
    update = booking_json(BOOKING, "cancelled", at(1))
    del update["lastUpdate"]
    assert (await webhook_server().post(envelope(update))).status_code == 204
    await book_through_the_app(store)
    await drain_outbox(make_notifier(), store)
    [posted] = confirmations(fake)
    [reply] = fake.thread("C_GENERAL", posted["ts"])
    assert "Cancelled" in reply["text"]
    assert [m["ts"] for m in fake.messages("C_GENERAL")] == [posted["ts"]]
