"""BookingService against the real client, a real sandbox on loopback and a real store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.bookable.client import BookableClient
from bot.bookable.errors import BookableError, Conflict, TransportError
from bot.bookable.models import BookingRequest, BookingStatus, SlotType
from bot.config import load_settings
from bot.devtools.serving import BackgroundServer
from bot.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from bot.service.booking import BookingContext, BookingService, record_status
from bot.store import BookingRecord, Store

from .conftest import make_record
from .flow import next_weekday


@dataclass
class Sandbox:
    url: str

    def state(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_control/state", timeout=10).json()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with BackgroundServer(create_sandbox_app(SandboxState(SandboxConfig()))) as server:
        yield Sandbox(server.url)


@pytest.fixture
def fresh_sandbox(sandbox: Sandbox) -> Sandbox:
    httpx.post(f"{sandbox.url}/_control/reset", timeout=10).raise_for_status()
    return sandbox


@pytest.fixture
async def service(fresh_sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[BookingService]:
    sandbox = fresh_sandbox
    settings = load_settings(
        need_slack=False, _env_file=None, bookable_env="local", slack_admin_user_ids="U_ADMIN",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
    )  # fmt: skip
    bookable = BookableClient.from_settings(
        settings, api_url=sandbox.url, auth_url=f"{sandbox.url}/oauth/token"
    )
    store = await Store.connect(settings.database_url)
    yield BookingService(bookable, store, settings)
    await bookable.aclose()
    await store.close()


async def _dinner(
    service: BookingService, name: str = "dishoom covent", product: str = "Dinner"
) -> tuple[str, str]:
    venue = (await service.search(words=name)).venues[0]
    found = next(p for p in venue.products if p.product_name == product)
    return venue.name, found.composite_id


def _request(on: date, time: str, slot_type: SlotType = SlotType.BOOK) -> BookingRequest:
    return BookingRequest(
        firstName="Alice", lastName="Example", email="alice@example.com",
        phone="+447700900123", partySize=2, date=on, time=time, type=slot_type,
    )  # fmt: skip


def _where(composite_id: str, venue: str = "Dishoom Covent Garden") -> BookingContext:
    return BookingContext("T1", "U_ALICE", "C1", composite_id, venue, "Dinner", "Dishoom")


async def test_identical_concurrent_searches_make_one_bookable_call(
    service: BookingService, sandbox: Sandbox
) -> None:
    await service.search(words="warm-up token")  # not counted: the token request
    before = sandbox.state()["api_requests"]
    results = await asyncio.gather(*(service.search(words="hawksmoor") for _ in range(30)))
    assert len({tuple(v.name for v in r.venues) for r in results}) == 1
    assert sandbox.state()["api_requests"] == before + 1
    await service.search(words="hawksmoor")  # cached for the TTL
    assert sandbox.state()["api_requests"] == before + 1


async def test_name_search_falls_back_to_descriptions(service: BookingService) -> None:
    result = await service.search(words="greenhouse")
    assert result.matched_description
    assert [v.name for v in result.venues] == ["The Botanist's Table"]


async def test_one_key_makes_one_booking(service: BookingService, sandbox: Sandbox) -> None:
    venue, product = await _dinner(service)
    on = next_weekday(2)
    times = (await service.availability(product, on=on, party=2)).times
    outcomes = await asyncio.gather(
        *(service.create("key-1", _where(product), _request(on, times[0].time)) for _ in range(5))
    )
    states = sorted(o.state for o in outcomes)
    assert states.count("created") == 1
    assert set(states) <= {"created", "in_progress", "done"}
    assert len(sandbox.state()["bookings"]) == 1
    again = await service.create("key-1", _where(product), _request(on, times[0].time))
    created = next(o.record for o in outcomes if o.state == "created")
    assert again.state == "done" and again.record == created
    assert created is not None and created.status == "confirmed" and created.venue_name == venue
    assert created.operator_ref and created.time == times[0].time
    stored = await service.get(created.booking_id)
    assert stored is not None and stored.user_id == "U_ALICE"


async def test_a_refusal_releases_the_key_for_a_retry(
    service: BookingService, sandbox: Sandbox
) -> None:
    _, product = await _dinner(service)
    on = next_weekday(2)
    with pytest.raises(Conflict):  # a time the venue never offers
        await service.create("key-2", _where(product), _request(on, "03:00"))
    assert sandbox.state()["bookings"] == []
    times = (await service.availability(product, on=on, party=2)).times
    outcome = await service.create("key-2", _where(product), _request(on, times[0].time))
    assert outcome.state == "created"


async def test_an_enquiry_is_recorded_as_pending(service: BookingService) -> None:
    _, product = await _dinner(service, "saltwater", "Chef's Table")
    on = next_weekday(2)
    slot = (await service.availability(product, on=on, party=2)).times[0]
    assert slot.type is SlotType.REQUEST
    outcome = await service.create("key-3", _where(product, "Saltwater Leith"),
                                   _request(on, slot.time, SlotType.REQUEST))  # fmt: skip
    assert outcome.record is not None and outcome.record.status == "pending"


async def _booked(service: BookingService, key: str) -> BookingRecord:
    _, product = await _dinner(service)
    on = next_weekday(2)
    times = (await service.availability(product, on=on, party=2)).times
    outcome = await service.create(key, _where(product), _request(on, times[0].time))
    assert outcome.record is not None
    return outcome.record


async def test_cancel_at_bookable_and_in_the_store(
    service: BookingService, sandbox: Sandbox
) -> None:
    record = await _booked(service, "key-4")
    cancelled = await service.cancel(record)
    assert cancelled.status == "cancelled"
    assert sandbox.state()["bookings"][0]["status"] == "Cancelled"
    stored = await service.get(record.booking_id)
    assert stored is not None and stored.status == "cancelled"
    # Recorded at Bookable's time for the change (its lastUpdate), not the app's clock.
    at_bookable = await service.bookable.get_booking(record.booking_id)
    assert at_bookable.data.last_update is not None
    assert stored.last_update == at_bookable.data.last_update


async def test_a_cancel_whose_time_cannot_be_read_back_keeps_the_stored_time(
    service: BookingService, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = await _booked(service, "key-5")
    before = await service.get(record.booking_id)
    assert before is not None

    async def unreachable(*args: object, **kwargs: object) -> None:
        raise TransportError("connection reset")

    monkeypatch.setattr(service.bookable, "get_booking", unreachable)
    cancelled = await service.cancel(record)

    assert cancelled.status == "cancelled"
    stored = await service.get(record.booking_id)
    # The status now, the time from Bookable's webhook later: never our own clock.
    assert stored is not None and stored.status == "cancelled"
    assert stored.last_update == before.last_update


def test_who_may_cancel(service: BookingService) -> None:
    record = make_record(user_id="U_ALICE")
    assert service.may_cancel(record, "U_ALICE", workspace_admin=False)
    assert service.may_cancel(record, "U_BOB", workspace_admin=True)
    assert service.may_cancel(record, "U_ADMIN", workspace_admin=False)  # from settings
    assert not service.may_cancel(record, "U_CAROL", workspace_admin=False)


@pytest.mark.parametrize(
    ("status", "slot", "expected"),
    [
        (BookingStatus.CONFIRMED, SlotType.BOOK, "confirmed"),
        (BookingStatus.PENDING, SlotType.REQUEST, "pending"),
        (BookingStatus.IN_PROGRESS, SlotType.REQUEST, "pending"),
        (BookingStatus.CANCELLED, SlotType.BOOK, "cancelled"),
        (BookingStatus.UNKNOWN, SlotType.REQUEST, "pending"),
        (BookingStatus.UNKNOWN, SlotType.BOOK, "confirmed"),
    ],
)
def test_status_vocabulary(status: BookingStatus, slot: SlotType, expected: str) -> None:
    assert record_status(status, slot) == expected


async def test_three_hundred_searches_fit_the_rate_limit(
    service: BookingService, sandbox: Sandbox
) -> None:
    """100 people, 300 searches in a minute, 10 distinct queries: 10 Bookable calls."""
    await service.search(words="warm-up token")
    before = sandbox.state()["api_requests"]
    queries = ["dishoom", "hawksmoor", "pasta", "saltwater", "green fig", "bancroft", "kiln",
               "botanist", "bramble", "harbour"]  # fmt: skip
    await asyncio.gather(*(service.search(words=queries[i % 10]) for i in range(300)))
    assert sandbox.state()["api_requests"] - before == 10


@pytest.fixture
async def impatient_service(
    fresh_sandbox: Sandbox, tmp_path: Path
) -> AsyncIterator[BookingService]:
    """Gives up on Bookable after 0.3 s."""
    settings = load_settings(
        need_slack=False, _env_file=None, bookable_env="local", bookable_timeout=0.3,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
    )  # fmt: skip
    url = fresh_sandbox.url
    bookable = BookableClient.from_settings(settings, api_url=url, auth_url=f"{url}/oauth/token")
    store = await Store.connect(settings.database_url)
    yield BookingService(bookable, store, settings)
    await bookable.aclose()
    await store.close()


async def _until_sandbox_idle(sandbox: Sandbox, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while sandbox.state()["api_in_flight"]:
        assert asyncio.get_running_loop().time() < deadline, "sandbox still busy"
        await asyncio.sleep(0.02)


def _knobs(sandbox: Sandbox, **values: Any) -> None:
    httpx.post(f"{sandbox.url}/_control/knobs", json=values, timeout=10).raise_for_status()


async def test_no_answer_keeps_the_key_so_a_retry_cannot_book_twice(
    impatient_service: BookingService, sandbox: Sandbox
) -> None:
    service = impatient_service
    _, product = await _dinner(service)
    on = next_weekday(2)
    times = (await service.availability(product, on=on, party=2)).times
    _knobs(sandbox, latency_ms=800)  # no answer in time: we can't know whether it booked
    outcome = await service.create("key-5", _where(product), _request(on, times[0].time))
    assert outcome.state == "unconfirmed"
    _knobs(sandbox, latency_ms=0)
    requests_before = sandbox.state()["api_requests"]
    again = await service.create("key-5", _where(product), _request(on, times[0].time))
    assert again.state == "in_progress"
    # No second create reached Bookable (tests/reliability: the first one had booked).
    assert sandbox.state()["api_requests"] == requests_before
    await _until_sandbox_idle(sandbox)  # the abandoned create ends here, not in a later test
    submission = await service.store.get_submission("key-5")
    assert submission is not None and submission.context is not None
    assert submission.context["venue_name"] == "Dishoom Covent Garden"
    assert submission.context["time"] == times[0].time[:5]


@pytest.mark.parametrize(
    ("status", "kept"), [(504, True), (500, True), (503, True), (400, False), (409, False)]
)
async def test_any_5xx_leaves_the_create_unconfirmed_and_a_4xx_releases_it(
    status: int, kept: bool, service: BookingService, sandbox: Sandbox
) -> None:
    """A 5xx may hide a booking (whatever isRetryable says): the key stays taken. A 4xx is
    a clear refusal: the key is released, so the corrected form can book."""
    _, product = await _dinner(service)
    on = next_weekday(2)
    times = (await service.availability(product, on=on, party=2)).times
    _knobs(sandbox, fail_next={"count": 4, "status": status})
    if kept:
        outcome = await service.create("key-6", _where(product), _request(on, times[0].time))
        assert outcome.state == "unconfirmed"
    else:
        with pytest.raises(BookableError):
            await service.create("key-6", _where(product), _request(on, times[0].time))
    _knobs(sandbox, fail_next={"count": 0})
    again = await service.create("key-6", _where(product), _request(on, times[0].time))
    assert again.state == ("in_progress" if kept else "created")


@pytest.mark.parametrize("answer", ["garbage", "error_500"])
async def test_a_booked_create_with_a_bad_answer_never_books_twice(
    answer: str, service: BookingService, sandbox: Sandbox
) -> None:
    """Bookable booked, then answered a 2xx we can't parse or a bare 500 (no isRetryable):
    the key stays taken, so submitting the same modal again books nothing more."""
    _, product = await _dinner(service)
    on = next_weekday(2)
    times = (await service.availability(product, on=on, party=2)).times
    _knobs(sandbox, lose_next_answer={"count": 1, "answer": answer})
    request = _request(on, times[0].time)
    outcome = await service.create("key-7", _where(product), request)
    assert outcome.state == "unconfirmed"
    assert len(sandbox.state()["bookings"]) == 1  # it did book
    again = await service.create("key-7", _where(product), request)
    assert again.state == "in_progress"
    assert len(sandbox.state()["bookings"]) == 1


async def test_an_unexpected_error_keeps_the_key(
    service: BookingService, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, product = await _dinner(service)
    on = next_weekday(2)
    times = (await service.availability(product, on=on, party=2)).times
    real_create = service.bookable.create_booking

    async def create_then_fail(*args: Any, **kwargs: Any) -> Any:
        await real_create(*args, **kwargs)
        raise RuntimeError("bug after the booking was made")

    monkeypatch.setattr(service.bookable, "create_booking", create_then_fail)
    outcome = await service.create("key-8", _where(product), _request(on, times[0].time))
    assert outcome.state == "unconfirmed"
    monkeypatch.undo()
    again = await service.create("key-8", _where(product), _request(on, times[0].time))
    assert again.state == "in_progress"
    assert len(sandbox.state()["bookings"]) == 1


async def test_a_submission_resolved_as_unknown_never_books_again(
    impatient_service: BookingService, sandbox: Sandbox
) -> None:
    service = impatient_service
    _, product = await _dinner(service)
    on = next_weekday(2)
    times = (await service.availability(product, on=on, party=2)).times
    _knobs(sandbox, latency_ms=800)
    outcome = await service.create("key-9", _where(product), _request(on, times[0].time))
    assert outcome.state == "unconfirmed"
    _knobs(sandbox, latency_ms=0)
    assert await service.store.resolve_submission_unknown("key-9")  # what the sweep does
    again = await service.create("key-9", _where(product), _request(on, times[0].time))
    assert again.state == "unconfirmed"  # the booker was told what to check; no new create
    requests = sandbox.state()["api_requests"]
    await service.create("key-9", _where(product), _request(on, times[0].time))
    assert sandbox.state()["api_requests"] == requests
