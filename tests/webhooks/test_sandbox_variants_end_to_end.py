"""The sandbox sends documented webhook variants to the real app, end to end: every event
as booking.updated (the spec's enum), two bookings per envelope, no lastUpdate or
createdDate, an upper-case `sha256=`-prefixed signature. Bookings made through Slack, then
declined by the venue: one reply each, nothing late, the messages show the news."""

from __future__ import annotations

import httpx

from bot.devtools.stack import LocalStack
from tests.slack.flow import WAIT, book_through_slack, next_weekday, section_text

WEDNESDAY = 2
VARIANTS = {
    "webhook_event_types": "spec",
    "webhook_batch": 2,
    "webhook_omit": ["lastUpdate", "createdDate"],
    "signature_upper": True,
    "signature_prefix": True,
}


def _wait_for_deliveries(stack: LocalStack) -> None:
    """Sends the partial batch, if any, and waits until every delivery was answered."""
    answer = httpx.post(f"{stack.sandbox_url}/_control/deliveries/wait", timeout=30)
    assert answer.json() == {"idle": True}


async def test_documented_variants_from_the_sandbox(stack: LocalStack) -> None:
    stack.sandbox_control("knobs", VARIANTS)
    on = next_weekday(WEDNESDAY)
    messages = [
        await book_through_slack(
            stack,
            "U_ALICE",
            "C_GENERAL",
            f"search dishoom party:{party} date:{on}",
            "Dishoom Covent Garden",
        )
        for party in (2, 3)
    ]
    _wait_for_deliveries(stack)
    bookings = stack.sandbox_state()["bookings"]
    assert len(bookings) == 2

    for booking in bookings:
        stack.sandbox_control(f"bookings/{booking['id']}/status", {"status": "declined"})
    _wait_for_deliveries(stack)

    deliveries = stack.sandbox_state()["deliveries"]
    assert {d["event_type"] for d in deliveries} == {"booking.updated"}
    assert all(d["state"] == "delivered" and d["last_status_code"] == 204 for d in deliveries)
    assert any(len(d["booking_ids"]) == 2 for d in deliveries)

    def settled() -> bool:
        return all(
            "Cancelled" in section_text(stack.fake.message("C_GENERAL", m["ts"]) or {})
            for m in messages
        )

    await stack.fake.wait_for(settled, within=WAIT)
    for message in messages:
        replies = [section_text(m) for m in stack.fake.thread("C_GENERAL", message["ts"])]
        assert len(replies) == 1, replies  # the cancel; the creation is no news
        assert "Cancelled" in replies[0] and "late" not in replies[0]
