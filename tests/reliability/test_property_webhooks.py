"""Property: whatever documented webhooks Bookable sends, nothing is lost, duplicated or
mislabelled (issue 9).

Each example sends the real app (over HTTP, signed in every accepted form) webhooks drawn
from everything §8.2 allows: optional fields absent or present (`lastUpdate` too), every
event type (`booking.updated` for everything, as spec 1.2.0 has it, included), several
bookings per envelope, envelopes without bookings, redeliveries and shuffled order. Some
bookings were made through the app (a confirmation message to reply under), the others
reach a channel subscribed to everything. Then, once the outbox has done one job per
distinct change (a positive signal, no sleeping), it checks:

* each distinct change (booking, status, lastUpdate, or its content when untimed) gives
  exactly one thread reply, or one channel notice; the creation of a booking made through
  the app gives none (the confirmation already shows it);
* the confirmation message shows the newest status (by lastUpdate; untimed: by arrival);
* no reply to an event that arrived in order is labelled late, and a reply labelled late
  had a newer change arrive before it.

Bookable sends a booking's creation first. Only one case needs that order: a later change
that repeats the creation's status and arrives before the creation cannot be told apart
from it (nothing before it, same status; `createdDate` is no help, the spec's own example
has lastUpdate after createdDate on a pending booking). So the creation of a booking made
through the app goes out first when it has no `lastUpdate`, or when a later change repeats
its status; otherwise it is shuffled with the rest (its `lastUpdate` puts it first).
Profiles: "ci" (default, quick) and "bench" (`HYPOTHESIS_PROFILE=bench`), see fuzzing.py.
The example count is printed at the end (run with `-s` to see it).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import hmac
import itertools
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.devtools.fake_slack.directory import BOT_USER_ID, Channel
from bot.slack.blocks.booking import booking_message
from bot.slack.statuses import status_label, status_line
from bot.store import BookingRecord, Store
from tests.contract import BOOKING_OPTIONAL, EVENT_TYPES, STATUSES

from . import flows
from .audits import audit
from .fuzzing import FUZZ, Draw
from .reliable_stack import ReliabilityStack
from .wire import Wire

pytestmark = pytest.mark.timeout(1800)  # bench mode runs thousands of examples

APP_CHANNEL = "C_PROPBOOKINGS"  # confirmations of bookings made through the app
NOTICE_CHANNEL = flows.CHANNEL  # subscribed to every update
BASE = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)  # lastUpdate minutes count from here
COMPOSITE_ID = "29|CO|275cc44dd2e2496fba44857c9257443a|d99128c546b34b619c4477b712869f2b"
LATE_SUFFIX = " (earlier update, received late)"
# A Slack date token (each reader's zone) whose UTC fallback carries the minute.
STAMP = re.compile(r"Updated by the venue <!date\^\d+\^[^|>]*\|\d{4}-\d\d-\d\d 12:(\d\d) UTC>")
SIGNATURES = ("hex", "HEX", "sha256=hex", "sha256=HEX", "base64")
_ids = itertools.count(1)


@dataclass
class Change:
    """One distinct change of a booking (index 0: its creation)."""

    index: int
    status: str
    minute: int  # lastUpdate = BASE + minutes (sent only for timed bookings)
    omit: frozenset[str]


@dataclass
class Booking:
    id: str
    reference: str
    made_here: bool  # through the app: replies under its confirmation message
    timed: bool  # its webhooks carry lastUpdate
    record_last_update: bool  # the create answer's lastUpdate is stored
    changes: list[Change]
    message_ts: str = ""

    @property
    def creation_ambiguous(self) -> bool:
        """Arriving after another change, the creation could not be told apart."""
        first = self.changes[0].status
        return not self.timed or any(c.status == first for c in self.changes[1:])

    def body(self, change: Change) -> dict[str, Any]:
        """The §8.2 booking for one change; content differs per change (partySize)."""
        body: dict[str, Any] = {
            "id": self.id,
            "compositeId": COMPOSITE_ID,
            "date": "2030-06-25",
            "time": "19:30:00",
            "partySize": change.index + 1,
            "status": change.status,
            "reference": self.reference,
            "firstName": "Ada",
            "lastName": "Lovelace",
            "email": "ada@example.com",
            "phone": "+441234567890",
            "company": None,
            "location": {"address": "1 Main St", "city": "London", "country": "GB"},
            "duration": 120,
            "productType": "dinner",
            "notes": f"change {change.index}",
            "source": "MyDistributor",
            "createdDate": _iso(BASE),
            "lastUpdate": _iso(BASE + timedelta(minutes=change.minute)),
            "preorders": [],
            "preorderMenus": [],
        }
        omitted = change.omit | (frozenset() if self.timed else {"lastUpdate"})
        return {key: value for key, value in body.items() if key not in omitted}


@dataclass
class Scenario:
    bookings: list[Booking]
    deliveries: list[tuple[bytes, str]]  # (body, signature style), in sending order
    arrival: list[tuple[str, int]] = field(default_factory=list)  # first arrivals


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def scenarios(draw: Draw) -> Scenario:
    bookings = [draw(_bookings()) for _ in range(draw(st.integers(1, 3)))]
    # Bookable sends a creation first; where nothing else tells it apart, it goes first.
    prologue = [(b, b.changes[0]) for b in bookings if b.made_here and b.creation_ambiguous]
    rest = [(b, c) for b in bookings for c in b.changes if (b, c) not in prologue]
    rest = draw(st.permutations(rest))
    envelopes = [prologue] if prologue else []
    while rest:
        size = draw(st.integers(1, 3))
        envelopes.append(rest[:size])
        rest = rest[size:]
    bodies = [_envelope(draw, events) for events in envelopes]
    order = list(range(len(bodies)))
    for _ in range(draw(st.integers(0, 3))):  # redeliveries, after the first sending
        again = draw(st.sampled_from(order))
        first = order.index(again)
        order.insert(draw(st.integers(first + 1, len(order))), again)
    sent = [bodies[index] for index in order]
    if draw(st.booleans()):  # an envelope without bookings, somewhere
        empty = {"eventType": draw(st.sampled_from(sorted(EVENT_TYPES))), "timestamp": _iso(BASE)}
        sent.insert(draw(st.integers(0, len(sent))), json.dumps(empty).encode())
    deliveries = [(body, draw(st.sampled_from(SIGNATURES))) for body in sent]
    scenario = Scenario(bookings, deliveries)
    seen: set[tuple[str, int]] = set()
    for index in order:
        for booking, change in envelopes[index]:
            if (booking.id, change.index) not in seen:
                seen.add((booking.id, change.index))
                scenario.arrival.append((booking.id, change.index))
    return scenario


@st.composite
def _bookings(draw: Draw) -> Booking:
    made_here = draw(st.booleans())
    statuses = st.sampled_from(sorted(STATUSES))
    first = draw(st.sampled_from(("pending", "confirmed")) if made_here else statuses)
    updates = draw(st.lists(statuses, max_size=3))
    minutes = sorted(draw(st.lists(st.integers(1, 59), min_size=len(updates),
                                   max_size=len(updates), unique=True)))  # fmt: skip
    omits = st.frozensets(st.sampled_from(sorted(BOOKING_OPTIONAL - {"lastUpdate"})))
    changes = [
        Change(index, status, minute, draw(omits))
        for index, (status, minute) in enumerate(zip([first, *updates], [0, *minutes], strict=True))
    ]
    serial = next(_ids)
    return Booking(
        id=f"29|CO|prop{serial:06d}{secrets.token_hex(8)}",
        reference=f"REF-PROP-{serial:06d}",
        made_here=made_here,
        timed=draw(st.booleans()),
        record_last_update=draw(st.booleans()),
        changes=changes,
    )


def _envelope(draw: Draw, events: list[tuple[Booking, Change]]) -> bytes:
    envelope = {
        "eventType": draw(st.sampled_from(sorted(EVENT_TYPES))),
        "timestamp": _iso(BASE),
        "bookings": [booking.body(change) for booking, change in events],
    }
    return json.dumps(envelope).encode()


def _signature(secret: str, body: bytes, style: str) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    if style == "base64":
        return base64.b64encode(digest).decode()
    value = digest.hex().upper() if style.endswith("HEX") else digest.hex()
    return "sha256=" + value if style.startswith("sha256=") else value


# --- the running app ----------------------------------------------------------------------


@dataclass
class Target:
    stack: ReliabilityStack
    wire: Wire
    store: Store
    loop: asyncio.AbstractEventLoop
    examples: int = 0
    webhooks: int = 0

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def seed(self, booking: Booking) -> None:
        """A booking made through the app: its record and its confirmation message."""
        record = BookingRecord(
            booking_id=booking.id,
            team_id=self.stack.fake.team_id,
            user_id=flows.USER,
            channel_id=APP_CHANNEL,
            message_ts=None,
            venue_name="Dishoom Shoreditch",
            venue_group="Dishoom",
            product_name="Dinner",
            composite_id=COMPOSITE_ID,
            date=BASE.date(),
            time="19:30",
            party_size=1,
            status=booking.changes[0].status,
            operator_ref=booking.reference,
            last_update=BASE if booking.record_last_update else None,
        )
        fake = self.stack.fake
        with fake.lock:
            posted = fake.workspace.messages.post(APP_CHANNEL, **booking_message(record))
        booking.message_ts = posted.ts
        await self.store.save_booking(dataclasses.replace(record, message_ts=posted.ts))

    async def wait_for_jobs(self, done: int, within: float = 60.0) -> None:
        """Until the outbox has finished `done` jobs in all and has nothing left."""
        deadline = self.loop.time() + within
        while True:
            stats = await self.store.outbox_stats()
            if stats["done"] >= done and not stats["pending"] and not stats["leased"]:
                return
            assert self.loop.time() < deadline, f"outbox stuck: {stats}, waiting for {done}"
            await asyncio.sleep(0.02)


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    stack = ReliabilityStack().start()
    wire = Wire(stack)
    loop = asyncio.new_event_loop()
    store: Store | None = None
    try:
        stack.fake.add_channel(
            Channel(APP_CHANNEL, "prop-bookings", members=[BOT_USER_ID, flows.USER])
        )
        subscribed = loop.run_until_complete(
            flows.driver_of(stack).command(flows.USER, NOTICE_CHANNEL, "subscribe")
        )
        flows.acked_in_time(stack, subscribed)
        assert stack.settings is not None
        store = loop.run_until_complete(Store.connect(stack.settings.database_url))
        found = Target(stack, wire, store, loop)
        yield found
        audit(stack, wire.slack_answers())
    finally:
        if store is not None:
            loop.run_until_complete(store.close())
        loop.close()
        wire.close()
        stack.stop()


# --- what must hold -----------------------------------------------------------------------

_STATUS_BY_LABEL = {status_label(status): status for status in [*STATUSES, "declined"]}


@dataclass(frozen=True)
class Post:
    """A reply or notice as the app posted it."""

    status: str
    minute: int | None
    late: bool


def _read(message: dict[str, Any]) -> Post:
    text = str(message["text"])
    late = text.endswith(LATE_SUFFIX)
    core = text.removesuffix(LATE_SUFFIX)
    label = core.split("→ ")[-1] if "→ " in core else core.rsplit(": ", 1)[-1]
    stamp = STAMP.search(flows.message_text(message))
    return Post(_as_sent(_STATUS_BY_LABEL[label]), int(stamp.group(1)) if stamp else None, late)


def _as_sent(shown: str) -> str:
    """The webhook status behind a shown one. A `cancelled` that follows `pending` shows as
    Declined (`bot.slack.statuses.shown_status`); which change it follows depends on the
    arrival order, so here both count as the `cancelled` Bookable sent (the label itself is
    tested in tests/webhooks/test_end_to_end.py)."""
    return "cancelled" if shown == "declined" else shown


def check(target: Target, scenario: Scenario) -> None:
    arrived = {key: position for position, key in enumerate(scenario.arrival)}
    for booking in scenario.bookings:
        if booking.made_here:
            _check_booker(target, booking, arrived)
        else:
            _check_subscribers(target, booking)


def _expected(booking: Booking, changes: list[Change]) -> list[tuple[str, int | None]]:
    return sorted((c.status, c.minute if booking.timed else None) for c in changes)


def _check_booker(target: Target, booking: Booking, arrived: dict[tuple[str, int], int]) -> None:
    fake = target.stack.fake
    posts = [_read(reply) for reply in fake.thread(APP_CHANNEL, booking.message_ts)]
    news = booking.changes[1:]  # the creation is no news
    assert sorted((p.status, p.minute) for p in posts) == _expected(booking, news), booking
    by_minute = {c.minute: c for c in booking.changes}
    for post in posts:
        if not booking.timed:
            assert not post.late, f"an untimed update labelled late: {booking}"
            continue
        change = by_minute[post.minute or 0]
        newer_first = any(
            other.minute > change.minute
            and arrived[(booking.id, other.index)] < arrived[(booking.id, change.index)]
            for other in booking.changes
        )
        # Late only when a newer change came first; so never for one that arrived in order.
        assert newer_first or not post.late, f"wrongly labelled late: {post} {booking}"
    if booking.timed:
        newest = max(booking.changes, key=lambda c: c.minute)
    else:
        newest = max(booking.changes, key=lambda c: arrived[(booking.id, c.index)])
    parent = fake.message(APP_CHANNEL, booking.message_ts)
    assert parent is not None
    shown = {status_line(newest.status)}
    if newest.status == "cancelled":
        shown.add(status_line("declined"))
    assert any(parent["text"].endswith(": " + line) for line in shown), (parent["text"], booking)


def _check_subscribers(target: Target, booking: Booking) -> None:
    notices = [
        _read(message)
        for message in target.stack.fake.messages(NOTICE_CHANNEL)
        if booking.reference in flows.message_text(message)
    ]
    assert sorted((n.status, n.minute) for n in notices) == _expected(booking, booking.changes)
    assert not any(notice.late for notice in notices)


def test_documented_webhooks_are_neither_lost_nor_duplicated_nor_mislabelled(
    target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = target.stack.webhook_secrets[-1]

    @FUZZ
    @given(scenario=scenarios())
    def run(scenario: Scenario) -> None:
        before = target.run(target.store.outbox_stats())["done"]
        for booking in scenario.bookings:
            if booking.made_here:
                target.run(target.seed(booking))
        for body, style in scenario.deliveries:
            answer = target.wire.webhook(body, signature=_signature(secret, body, style))
            assert answer.status == 204, (answer.status, answer.body[:300], style)
        distinct = sum(len(booking.changes) for booking in scenario.bookings)
        target.run(target.wait_for_jobs(before + distinct))
        check(target, scenario)
        target.examples += 1
        target.webhooks += len(scenario.deliveries)

    run()
    with capsys.disabled():
        print(f"\nproperty webhooks: {target.examples} examples, {target.webhooks} webhooks sent")
    assert target.examples > 0
