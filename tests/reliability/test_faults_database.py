"""The database briefly unavailable: another process holds SQLite's write lock.

Writes wait for it (within the busy timeout) instead of failing, so a booking submitted
or a webhook delivered meanwhile is stored once and shown once.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from .flows import (
    CHANNEL,
    book,
    confirmations,
    fill_form,
    open_form,
    sandbox_bookings,
    search,
    submit,
    view_text,
    wait_for_outcome,
)
from .reliable_stack import ReliabilityStack

LOCK_SECONDS = 1.5


@contextlib.contextmanager
def locked(stack: ReliabilityStack, seconds: float = LOCK_SECONDS) -> Iterator[threading.Event]:
    """Hold the database's write lock for `seconds` (from another connection, as another
    process would); the event is set once it is released."""
    path = make_url(stack.database_url).database
    assert path, "the stack's database is not a SQLite file"
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN EXCLUSIVE")
    released = threading.Event()

    def release() -> None:
        connection.rollback()
        connection.close()
        released.set()

    timer = threading.Timer(seconds, release)
    timer.start()
    try:
        yield released
    finally:
        timer.join()


async def test_booking_submitted_while_the_database_is_locked_is_made_once(
    stack: ReliabilityStack,
) -> None:
    form = await open_form(stack, await search(stack))
    await fill_form(stack, form)
    with locked(stack) as released:
        await submit(stack, form)  # acked in time: the ack never waits on the database
        outcome = await wait_for_outcome(stack, form["id"])
        assert released.is_set()
    assert "Booked" in view_text(outcome)
    stack.settle()
    assert len(sandbox_bookings(stack)) == 1
    assert len(confirmations(stack)) == 1


async def test_webhook_delivered_while_the_database_is_locked_is_posted_once(
    stack: ReliabilityStack,
) -> None:
    await book(stack)
    stack.settle()
    [booking] = sandbox_bookings(stack)
    with locked(stack):
        stack.sandbox_control(f"bookings/{booking['id']}/status", {"status": "cancelled"})
        stack.settle(within=30)
    [confirmation] = confirmations(stack)
    replies = [r["text"] for r in stack.fake.thread(CHANNEL, confirmation["ts"])]
    assert sum("Cancelled" in text for text in replies) == 1, replies
    deliveries = stack.sandbox_state()["deliveries"]
    assert deliveries and all(d["delivered"] for d in deliveries)


pytestmark = pytest.mark.timeout(90)
