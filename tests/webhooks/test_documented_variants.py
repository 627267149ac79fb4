"""Webhook shapes Bookable's docs allow and the old sandbox never sent (issue 9, item 8):
a creation as booking.updated, several bookings per envelope, no `bookings`, no
`lastUpdate`. None may add a spurious post, drop an update or be refused."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.devtools.fake_slack import FakeSlack
from bot.notify.notifier import Notifier
from bot.store import BookingRecord, Store
from bot.store.schema import webhook_events

from .conftest import Drain, WebhookServer
from .support import BASE_TIME, at, booking_json, booking_record, envelope, iso

LATE = "received late"


def _text(message: dict[str, Any]) -> str:
    return message["text"] + json.dumps(message.get("blocks") or [])


def documented(booking_id: str, status: str, minutes: float | None, **changes: Any) -> bytes:
    """An envelope with one §8.2 booking (nothing undocumented); `minutes` None: without
    `lastUpdate`."""
    return envelope(booking(booking_id, status, minutes, **changes))


def booking(booking_id: str, status: str, minutes: float | None, **changes: Any) -> dict:
    body = booking_json(booking_id, status, at(minutes or 0)) | changes
    for undocumented in ("venueName", "venueGroupName"):
        body.pop(undocumented, None)
    if minutes is None:
        del body["lastUpdate"]
    return body


@dataclasses.dataclass
class Pipeline:
    """The ingest endpoint, the store, a notifier to drain the outbox, and the fake Slack."""

    server: WebhookServer
    store: Store
    fake: FakeSlack
    notifier: Notifier
    drain_outbox: Drain

    async def app_booking(self, booking_id: str, **changes: Any) -> BookingRecord:
        """A booking made through the app: its confirmation in Slack, then its record."""
        with self.fake.lock:
            posted = self.fake.workspace.messages.post("C_GENERAL", text=f"Booking {booking_id}")
        record = dataclasses.replace(booking_record(booking_id, message_ts=posted.ts), **changes)
        await self.store.save_booking(record)
        return record

    async def deliver(self, *bodies: bytes) -> None:
        for body in bodies:
            response = await self.server.post(body)
            assert response.status_code == 204, response.text

    async def drain(self) -> None:
        """Returns once the outbox is empty: everything delivered was processed."""
        await self.drain_outbox(self.notifier, self.store)

    async def events(self) -> int:
        async with self.store.engine.connect() as connection:
            count = select(func.count()).select_from(webhook_events)
            return int((await connection.execute(count)).scalar_one())

    def replies(self, record: BookingRecord) -> list[str]:
        return [_text(reply) for reply in self.fake.thread("C_GENERAL", record.message_ts or "")]

    def shown(self, record: BookingRecord) -> str:
        parent = self.fake.message("C_GENERAL", record.message_ts or "")
        assert parent is not None
        return str(parent["text"])


@pytest.fixture
def pipeline(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> Pipeline:
    return Pipeline(webhook_server(), store, fake, make_notifier(), drain_outbox)


@pytest.mark.parametrize("event_type", ["booking.updated", "booking.created"])
async def test_the_creation_event_adds_no_reply_whatever_its_event_type(
    pipeline: Pipeline, event_type: str
) -> None:
    record = await pipeline.app_booking("29|CO|new", status="pending")

    creation = envelope(booking("29|CO|new", "pending", 1), event_type=event_type)
    await pipeline.deliver(creation, documented("29|CO|new", "confirmed", 2))
    await pipeline.drain()

    [reply] = pipeline.replies(record)
    assert "Pending → " in reply and "Confirmed" in reply


async def test_a_created_event_with_news_gets_its_reply(pipeline: Pipeline) -> None:
    """booking.created whose status is not the one the app recorded (an enquiry the venue
    confirmed at once) is news: the store decides, not the event type."""
    record = await pipeline.app_booking("29|CO|enq", status="pending")

    created = envelope(booking("29|CO|enq", "confirmed", 1), event_type="booking.created")
    await pipeline.deliver(created)
    await pipeline.drain()

    [reply] = pipeline.replies(record)
    assert "Confirmed" in reply


async def test_a_late_creation_event_is_still_no_news(pipeline: Pipeline) -> None:
    """Its lastUpdate puts it first, even when it arrives after a later change."""
    record = await pipeline.app_booking("29|CO|lag", status="confirmed")

    await pipeline.deliver(documented("29|CO|lag", "cancelled", 2))
    await pipeline.drain()
    await pipeline.deliver(documented("29|CO|lag", "confirmed", 1))
    await pipeline.drain()

    [reply] = pipeline.replies(record)
    assert "Cancelled" in reply
    assert "Cancelled" in pipeline.shown(record)


async def test_several_bookings_in_one_envelope_each_processed_once(pipeline: Pipeline) -> None:
    first = await pipeline.app_booking("29|CO|one")
    second = await pipeline.app_booking("29|CO|two")
    body = envelope(
        booking("29|CO|one", "confirmed", 1),
        booking("29|CO|two", "cancelled", 1),
        booking("29|CO|one", "cancelled", 2),  # the same booking twice, in order
    )

    await pipeline.deliver(body, body)  # and redelivered
    await pipeline.drain()

    assert await pipeline.events() == 3
    one, two = pipeline.replies(first), pipeline.replies(second)
    assert len(one) == 2 and "Confirmed" in one[0] and "Cancelled" in one[1]
    assert len(two) == 1 and "Declined" in two[0]  # a pending booking the venue cancelled
    assert not any(LATE in reply for reply in one + two)
    assert "Cancelled" in pipeline.shown(first) and "Declined" in pipeline.shown(second)


@pytest.mark.parametrize(
    "body",
    [
        {"eventType": "booking.updated", "timestamp": iso(BASE_TIME)},
        {"eventType": "booking.updated", "timestamp": iso(BASE_TIME), "bookings": None},
        {"eventType": "booking.updated", "timestamp": iso(BASE_TIME), "bookings": []},
        {"eventType": "webhook.test", "timestamp": iso(BASE_TIME)},
    ],
    ids=["absent", "null", "empty", "other event"],
)
async def test_an_envelope_without_bookings_is_accepted_and_posts_nothing(
    pipeline: Pipeline, body: dict[str, Any]
) -> None:
    record = await pipeline.app_booking("29|CO|sentinel")

    await pipeline.deliver(json.dumps(body).encode())
    assert await pipeline.events() == 0
    # A later event that is processed: nothing before it may have posted.
    await pipeline.deliver(documented("29|CO|sentinel", "confirmed", 1))
    await pipeline.drain()

    assert len(pipeline.fake.calls_to("chat.postMessage")) == 1
    assert len(pipeline.replies(record)) == 1


async def test_webhooks_without_last_update_follow_arrival_order(pipeline: Pipeline) -> None:
    """Deduplicated on booking, status and content; ordered by arrival; never "late",
    even though the record carries the create answer's lastUpdate."""
    record = await pipeline.app_booking("29|CO|nolu", status="confirmed", last_update=at(0))
    creation = documented("29|CO|nolu", "confirmed", None)
    bigger_party = documented("29|CO|nolu", "confirmed", None, partySize=6)
    cancelled = documented("29|CO|nolu", "cancelled", None, partySize=6)

    await pipeline.deliver(creation, creation, bigger_party, bigger_party, cancelled, cancelled)
    await pipeline.drain()

    assert await pipeline.events() == 3
    replies = pipeline.replies(record)
    assert len(replies) == 2  # the party change and the cancel; the creation is no news
    assert "Confirmed" in replies[0] and "Cancelled" in replies[1]
    assert not any(LATE in reply for reply in replies)
    assert "Cancelled" in pipeline.shown(record)
    stored = await pipeline.store.get_booking("29|CO|nolu")
    assert stored is not None and stored.status == "cancelled"
    assert stored.last_update == at(0)  # the newest Bookable time seen stays


async def test_a_timestamped_update_after_an_untimed_one(pipeline: Pipeline) -> None:
    record = await pipeline.app_booking("29|CO|mix", status="pending", last_update=at(0))

    untimed, timed = (
        documented("29|CO|mix", "confirmed", None),
        documented("29|CO|mix", "cancelled", 5),
    )
    await pipeline.deliver(untimed, timed)
    await pipeline.drain()

    replies = pipeline.replies(record)
    assert len(replies) == 2 and "Confirmed" in replies[0]
    assert "Confirmed → " in replies[1] and "Cancelled" in replies[1]
    assert not any(LATE in reply for reply in replies)
    assert "Cancelled" in pipeline.shown(record)
