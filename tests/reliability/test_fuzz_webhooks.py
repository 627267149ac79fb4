"""Fuzzing Bookable's webhook: envelopes with hostile names and reasons, wrong types,
random bytes, bad signatures, bodies over the limit.

The endpoint answers 204, 400, 401 or 413 (never 5xx); whatever it accepts is posted to
Slack (thread replies, channel notices) as valid Block Kit with no mention markup.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .fuzz_stack import FuzzStack, fuzz_stack
from .fuzzing import FUZZ, Draw, hostile_text, json_values, random_bytes, wrong_or

pytestmark = pytest.mark.timeout(1800)  # bench mode runs thousands of examples

ANSWERS = {204, 400, 401, 413}
STATUSES = ("pending", "confirmed", "cancelled", "completed", "no_show", "seated", "PENDING")
EVENTS = ("booking.created", "booking.updated", "booking.cancelled", "booking.teleported")
# What an HTTP header can carry (visible Latin-1), as a forged X-API-Key.
HEADER_VALUES = st.text(st.characters(min_codepoint=0x21, max_codepoint=0xFF), min_size=1)
OVER_THE_LIMIT = b'{"bookings": ["' + b"x" * (1024 * 1024) + b'"]}'


@pytest.fixture(scope="module")
def fuzz() -> Iterator[FuzzStack]:
    with fuzz_stack() as target:
        yield target


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _booking(draw: Draw, fuzz: FuzzStack, *, broken: bool) -> dict[str, Any]:
    """A booking as Bookable sends it, with hostile text everywhere text goes; `broken`:
    fields of the wrong type or missing too."""

    def pick(good: st.SearchStrategy[Any]) -> Any:
        return draw(wrong_or(good) if broken else good)

    moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
    booking: dict[str, Any] = {
        "id": pick(
            st.one_of(
                st.just(fuzz.booking_id),  # made through Slack: a thread reply and an update
                st.builds(lambda: "29|CO|" + secrets.token_hex(16)),  # someone else's
                hostile_text(40).filter(bool),
            )
        ),
        "compositeId": "29|CO|275cc44dd2e2496fba44857c9257443a|d99128c546b34b619c4477b712869f2b",
        "date": pick(st.dates().map(str)),
        "time": pick(st.sampled_from(("19:30:00", "19:30", "")) | hostile_text(10)),
        "partySize": pick(st.integers(1, 20)),
        "status": pick(st.sampled_from(STATUSES)),
        "reference": pick(hostile_text(40)),
        "lastUpdate": pick(moments.map(_iso)),
        "venueName": pick(hostile_text(300)),
        "venueGroupName": pick(hostile_text(300)),
        "reason": pick(hostile_text(600)),
        "firstName": pick(hostile_text(40)),
        "notes": pick(hostile_text(600)),
    }
    if broken:
        for key in draw(st.sets(st.sampled_from(sorted(booking)), max_size=3)):
            del booking[key]  # fields Bookable did not send
    return booking


def _envelope(draw: Draw, fuzz: FuzzStack, *, broken: bool) -> dict[str, Any]:
    def pick(good: st.SearchStrategy[Any]) -> Any:
        return draw(wrong_or(good) if broken else good)

    bookings = st.lists(
        st.builds(lambda: _booking(draw, fuzz, broken=broken)), min_size=1, max_size=3
    )
    return {
        "eventType": pick(st.sampled_from(EVENTS)),
        "timestamp": pick(st.builds(lambda: _iso(datetime.now(UTC)))),
        "bookings": pick(bookings),
    }


def test_fuzz_webhook_bodies(fuzz: FuzzStack) -> None:
    since = fuzz.begin()

    @FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        shape = data.draw(st.sampled_from(("envelope",) * 5 + ("broken", "bytes", "json", "huge")))
        if shape in ("envelope", "broken"):
            envelope = _envelope(data.draw, fuzz, broken=shape == "broken")
            body = json.dumps(envelope).encode()
        elif shape == "bytes":
            body = data.draw(random_bytes())
        elif shape == "json":
            body = json.dumps(data.draw(json_values())).encode()
        else:
            body = OVER_THE_LIMIT
        signing = data.draw(st.sampled_from(("good",) * 8 + ("none", "wrong")))
        if signing == "good":
            answer = fuzz.wire.webhook(body)
        elif signing == "none":
            answer = fuzz.wire.webhook(body, signed=False)
        else:
            answer = fuzz.wire.webhook(body, signature=data.draw(HEADER_VALUES))
        assert answer.status in ANSWERS, (answer.status, answer.body[:300])
        if signing != "good" and shape != "huge":
            assert answer.status == 401, "an unsigned body must never be taken"

    run()
    fuzz.finish(since)
