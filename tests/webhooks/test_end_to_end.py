"""A booking made through Slack, then changed by the venue: real signed webhooks end to end.

LocalStack runs the app exactly as `serve` builds it, the embedded sandbox (which signs
and delivers its webhooks to the app) and the fake Slack, all over loopback HTTP.
"""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from bot.devtools.stack import LocalStack
from bot.slack import ids
from tests.slack.flow import WAIT, book_through_slack, buttons, next_weekday, section_text

WEDNESDAY = 2


async def _book_an_enquiry(stack: LocalStack) -> tuple[dict, str]:
    """Saltwater's Chef's table answers enquiries only: the booking stays pending."""
    on = next_weekday(WEDNESDAY)
    message = await book_through_slack(
        stack, "U_ALICE", "C_GENERAL", f"search saltwater date:{on} party:2",
        "Saltwater Leith", product="Chef",
    )  # fmt: skip
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["status"] == "Pending"
    return booking, message["ts"]


def _replies(stack: LocalStack, ts: str) -> list[str]:
    return [section_text(m) for m in stack.fake.thread("C_GENERAL", ts)]


async def test_venue_changes_land_in_the_booking_thread_and_update_the_message(
    stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    on = next_weekday(WEDNESDAY)
    message = await book_through_slack(
        stack, "U_ALICE", "C_GENERAL", f"search dishoom party:2 date:{on}",
        "Dishoom Covent Garden",
    )  # fmt: skip
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["status"] == "Confirmed"
    ts = message["ts"]

    # The venue cancels it, as its own table-management system would.
    stack.sandbox_control(f"bookings/{booking['id']}/status", {"status": "cancelled"})
    await stack.fake.wait_for(lambda: len(_replies(stack, ts)) == 1, within=WAIT)

    [reply] = _replies(stack, ts)
    assert "Confirmed → " in reply and "Cancelled" in reply
    assert "Reason" not in reply  # Bookable sends no reason: the reply claims none

    def cancelled_shown() -> bool:
        shown = stack.fake.message("C_GENERAL", ts)
        return shown is not None and "Cancelled" in section_text(shown)

    await stack.fake.wait_for(cancelled_shown, within=WAIT)
    parent = stack.fake.message("C_GENERAL", ts)
    assert parent is not None and buttons(parent, ids.CANCEL_ACTION) == []

    # Every delivery (created + cancelled) was accepted, and its signature checked.
    async with httpx.AsyncClient(timeout=15) as client:
        waited = await client.post(f"{stack.sandbox_url}/_control/deliveries/wait")
    assert waited.json() == {"idle": True}
    deliveries = stack.sandbox_state()["deliveries"]
    assert [d["state"] for d in deliveries] == ["delivered", "delivered"]
    assert "Bookable webhook signatures arrive hex-encoded" in caplog.text
    assert "invalid X-API-Key" not in caplog.text
    assert len(_replies(stack, ts)) == 1  # the creation event added no reply


async def test_an_enquiry_confirmed_then_cancelled_gets_one_reply_per_change(
    stack: LocalStack,
) -> None:
    booking, ts = await _book_an_enquiry(stack)

    stack.sandbox_control(f"bookings/{booking['id']}/status", {"status": "confirmed"})
    await stack.fake.wait_for(lambda: len(_replies(stack, ts)) == 1, within=WAIT)
    stack.sandbox_control(f"bookings/{booking['id']}/status", {"status": "declined"})
    await stack.fake.wait_for(lambda: len(_replies(stack, ts)) == 2, within=WAIT)

    first, second = _replies(stack, ts)
    assert "Pending → " in first and "Confirmed" in first
    assert "Confirmed → " in second and "Cancelled" in second
    assert "Reason" not in second and "Declined by the venue" not in second

    def final_shown() -> bool:
        shown = stack.fake.message("C_GENERAL", ts)
        return shown is not None and "Cancelled" in section_text(shown)

    await stack.fake.wait_for(final_shown, within=WAIT)


async def test_a_venue_declining_an_enquiry_shows_declined_not_cancelled(
    stack: LocalStack,
) -> None:
    booking, ts = await _book_an_enquiry(stack)

    stack.sandbox_control(f"bookings/{booking['id']}/status", {"status": "declined"})
    await stack.fake.wait_for(lambda: len(_replies(stack, ts)) == 1, within=WAIT)
    [reply] = _replies(stack, ts)
    assert "Pending → *Declined*" in reply and "Cancelled" not in reply
    # The update's time is a Slack date token: each reader sees it in their own zone.
    assert re.search(r"<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+ UTC>", reply)

    def declined_shown() -> bool:
        shown = stack.fake.message("C_GENERAL", ts)
        return shown is not None and "Declined" in section_text(shown)

    await stack.fake.wait_for(declined_shown, within=WAIT)
    shown = stack.fake.message("C_GENERAL", ts)
    assert shown is not None and not buttons(shown, ids.CANCEL_ACTION)  # final: no Cancel
