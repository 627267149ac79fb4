"""No submission stays in progress forever: past `submission_unconfirmed_after`, the sweep
resolves it as "unknown" (once, however many processes sweep) and the booker is told by DM
what to check. The store's clock is moved instead of sleeping."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.config import Settings
from bot.devtools.fake_slack import FakeSlack
from bot.notify.notifier import Notifier
from bot.service.sweep import SubmissionSweep
from bot.store import Store
from bot.store.records import Fingerprint

from .conftest import Drain, WebhookServer
from .support import SUBMISSION_CONTEXT, at, booking_json, confirmations, envelope, iso

pytestmark = pytest.mark.timeout(90)

CONTEXT = SUBMISSION_CONTEXT
# Now, not a fixed date: the webhook endpoint stamps its jobs with the real clock.
START = dt.datetime.now(dt.UTC).replace(microsecond=0)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def timed_stores(db_url: str, clock: Clock) -> AsyncIterator[Callable[[], Any]]:
    """Stores on the test database sharing the movable clock (one per "process")."""
    opened: list[Store] = []

    async def open_store() -> Store:
        store = await Store.connect(db_url, clock=clock)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        await store.close()


def unresolved_dms(fake: FakeSlack) -> list[dict[str, Any]]:
    return [m for m in fake.messages("D_ALICE") if "couldn't confirm" in str(m.get("text", ""))]


async def test_an_unconfirmed_submission_is_resolved_once_and_the_booker_told(
    timed_stores: Callable[[], Any],
    clock: Clock,
    settings: Settings,
    fake: FakeSlack,
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    first, second = await timed_stores(), await timed_stores()
    await first.begin_submission("lost", team_id="T0PLAYGRND", user_id="U_ALICE", context=CONTEXT)
    clock.now = START + dt.timedelta(minutes=5)
    await first.begin_submission("answered", team_id="T0PLAYGRND", user_id="U_ALICE")
    await first.finish_submission("answered", "29|CO|answered")
    await first.begin_submission("recent", team_id="T0PLAYGRND", user_id="U_ALICE", context=CONTEXT)
    sweeps = [SubmissionSweep(store, settings) for store in (first, second)]
    bound = dt.timedelta(seconds=settings.submission_unconfirmed_after)

    clock.now = START + bound - dt.timedelta(seconds=1)
    assert [await sweep.sweep_once() for sweep in sweeps] == [0, 0]  # not yet

    clock.now = START + bound + dt.timedelta(seconds=1)
    assert sorted([await sweep.sweep_once() for sweep in sweeps]) == [0, 1]  # once
    lost = await first.get_submission("lost")
    assert lost is not None and lost.state == "unknown"
    for key, state in (("answered", "done"), ("recent", "in_progress")):
        submission = await first.get_submission(key)
        assert submission is not None and submission.state == state

    await drain_outbox(make_notifier(store=first), first)
    [told] = unresolved_dms(fake)
    text = str(told["blocks"])
    assert "Dishoom &lt;Shoreditch&gt;" in text  # escaped like any venue
    assert "Wed 25 Jun 2025 at 19:30 venue time for 4" in text
    assert "/bookable bookings" in text and "contact the venue before booking again" in text

    # Resubmitting the same modal still books nothing.
    again = await first.begin_submission("lost", team_id="T0PLAYGRND", user_id="U_ALICE")
    assert again.state == "unknown"


async def test_the_sweep_runs_in_the_background_until_stopped(
    timed_stores: Callable[[], Any], clock: Clock, settings: Settings
) -> None:
    store = await timed_stores()
    await store.begin_submission("lost", team_id="T0PLAYGRND", user_id="U_ALICE", context=CONTEXT)
    clock.now = START + dt.timedelta(hours=1)
    queued = asyncio.Event()
    sweep = SubmissionSweep(store, settings, on_queued=queued.set)
    sweep.start()
    try:
        await asyncio.wait_for(queued.wait(), 30)  # the sweep queued the booker's DM
    finally:
        await sweep.stop()
    submission = await store.get_submission("lost")
    assert submission is not None and submission.state == "unknown"


async def test_a_webhook_after_the_sweep_still_confirms_the_booking(
    timed_stores: Callable[[], Any],
    clock: Clock,
    settings: Settings,
    fake: FakeSlack,
    webhook_server: Callable[..., WebhookServer],
    make_notifier: Callable[..., Notifier],
    drain_outbox: Drain,
) -> None:
    """Bookable retries a webhook for about an hour: one arriving after the booker was told
    "unknown" still adopts the booking, and the confirmation follows."""
    store = await timed_stores()
    fingerprint = Fingerprint(
        str(CONTEXT["composite_id"]), dt.date(2025, 6, 25), "19:30", 4, "john.doe@example.com"
    )
    await store.begin_submission(
        "lost", team_id="T0PLAYGRND", user_id="U_ALICE", context=CONTEXT, fingerprint=fingerprint
    )
    clock.now = START + dt.timedelta(hours=1)
    assert await SubmissionSweep(store, settings).sweep_once() == 1
    booking = booking_json("29|CO|late-webhook", "confirmed", at(1))
    for undocumented in ("venueName", "venueGroupName"):
        del booking[undocumented]
    booking["createdDate"] = iso(START + dt.timedelta(seconds=20))
    body = envelope(booking, event_type="booking.created")
    assert (await webhook_server().post(body)).status_code == 204
    await drain_outbox(make_notifier(store=store), store)
    assert len(unresolved_dms(fake)) == 1
    [posted] = confirmations(fake)
    submission = await store.get_submission("lost")
    assert submission is not None
    assert (submission.state, submission.booking_id) == ("done", "29|CO|late-webhook")
    record = await store.get_booking("29|CO|late-webhook")
    assert record is not None and record.message_ts == posted["ts"]
