"""A booking whose create answer was lost: its webhook (documented fields only) matches the
open submission by fingerprint, or names it by `partnerBookingId` when Bookable sends that;
the notifier records it and its "confirm" job posts the confirmation, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from bot.devtools.fake_slack import FakeSlack
from bot.notify.notifier import Notifier
from bot.store import Store
from bot.store.records import Fingerprint

from .conftest import Drain, WebhookServer
from .support import SUBMISSION_CONTEXT, at, booking_json, confirmations, envelope, iso

pytestmark = pytest.mark.timeout(90)

KEY = "view-key-0001"
BOOKING = "29|CO|lost-answer"
CONTEXT = SUBMISSION_CONTEXT
COMPOSITE = str(CONTEXT["composite_id"])
# What the app asked for (the email as the booker typed it), as `booking_json` shows it.
FINGERPRINT = Fingerprint(COMPOSITE, dt.date(2025, 6, 25), "19:30", 4, "John.Doe@Example.com")
UNDOCUMENTED = ("venueName", "venueGroupName", "reason", "partnerBookingId")


def documented(booking: dict[str, Any]) -> dict[str, Any]:
    """Only §8.2's fields, as Bookable sends them (the `createdDate` is now)."""
    booking = {k: v for k, v in booking.items() if k not in UNDOCUMENTED}
    return booking | {"createdDate": iso(dt.datetime.now(dt.UTC))}


def created(status: str = "confirmed", **changes: Any) -> bytes:
    booking = documented(booking_json(BOOKING, status, at(1))) | changes
    return envelope(
        {k: v for k, v in booking.items() if v is not None}, event_type="booking.created"
    )


async def open_submission(
    store: Store,
    context: dict[str, Any] | None = CONTEXT,
    *,
    key: str = KEY,
    fingerprint: Fingerprint | None = FINGERPRINT,
) -> None:
    begun = await store.begin_submission(
        key, team_id="T0PLAYGRND", user_id="U_ALICE", context=context, fingerprint=fingerprint
    )
    assert begun.state == "new"


async def test_an_unknown_booking_matching_an_open_submission_is_adopted_and_confirmed_once(
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
    update = documented(booking_json(BOOKING, "cancelled", at(2)))
    assert (await server.post(envelope(update))).status_code == 204
    await drain_outbox(make_notifier(), store)
    assert len(confirmations(fake)) == 1
    assert len(fake.thread("C_GENERAL", posted["ts"])) == 1


async def test_a_webhook_without_created_date_is_matched_on_the_fingerprint_alone(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    await open_submission(store)
    assert (await webhook_server().post(created(createdDate=None))).status_code == 204
    await drain_outbox(make_notifier(), store)
    assert len(confirmations(fake)) == 1


async def test_partner_booking_id_names_the_submission_when_bookable_sends_it(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    """The sandbox's `webhook_extras` knob: the named submission wins, even one whose
    fingerprint differs (and a second open submission with the same fingerprint, which
    alone would make the match ambiguous)."""
    await open_submission(store, fingerprint=None)
    await open_submission(store, key="another-modal")
    await open_submission(store, key="a-third-modal")
    body = created(partnerBookingId=KEY)
    assert (await webhook_server().post(body)).status_code == 204
    await drain_outbox(make_notifier(), store)
    assert len(confirmations(fake)) == 1
    submission = await store.get_submission(KEY)
    assert submission is not None and submission.state == "done"
    other = await store.get_submission("another-modal")
    assert other is not None and other.state == "in_progress"


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


LONG_AGO = "2025-06-17T09:00:00Z"  # long before any submission of this test began


@pytest.mark.parametrize(
    "case",
    [
        "another party size",
        "another email",
        "created outside the window",
        "two open submissions match",
        "finished by the app",
    ],
)
async def test_nothing_is_adopted_without_exactly_one_open_submission_matching(
    case: str,
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    await open_submission(store)
    changes: dict[str, Any] = {
        "another party size": {"partySize": 5},
        "another email": {"email": "someone.else@example.com"},
        "created outside the window": {"createdDate": LONG_AGO},
    }.get(case, {})
    if case == "two open submissions match":
        await open_submission(store, key="view-key-0002")
    if case == "finished by the app":
        await store.finish_submission(KEY, "29|CO|another-booking")
    assert (await webhook_server().post(created(**changes))).status_code == 204
    await drain_outbox(make_notifier(), store)
    assert confirmations(fake) == []
    assert await store.get_booking(BOOKING) is None
    if case != "finished by the app":
        submission = await store.get_submission(KEY)
        assert submission is not None and submission.state == "in_progress"


async def test_an_adopting_event_retried_after_a_crash_posts_nothing_more(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The process dies after adopting but before marking the job done: the job runs
    again (its lease expires), finds the record it made, and posts nothing of its own."""
    await open_submission(store)
    complete = store.complete_outbox
    crashed: list[int] = []

    async def crash_once(job_id: int, worker_id: str, **options: Any) -> bool:
        if not crashed:
            crashed.append(job_id)
            raise RuntimeError("process died")
        return await complete(job_id, worker_id, **options)

    monkeypatch.setattr(store, "complete_outbox", crash_once)
    update = documented(booking_json(BOOKING, "confirmed", at(1)))  # creation as booking.updated
    assert (await webhook_server().post(envelope(update))).status_code == 204
    await drain_outbox(make_notifier(lease_seconds=2.0, slack_timeout=0.5), store)
    assert crashed
    [posted] = confirmations(fake)
    assert fake.thread("C_GENERAL", posted["ts"]) == []
    assert [m["ts"] for m in fake.messages("C_GENERAL")] == [posted["ts"]]
