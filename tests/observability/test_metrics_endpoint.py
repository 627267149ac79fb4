"""`GET /metrics` over real HTTP, after real Slack requests and a real Bookable webhook."""

from __future__ import annotations

import re

from bot.devtools.stack import LocalStack
from bot.slack import ids
from tests.slack.flow import (
    WAIT,
    confirmation,
    fill,
    next_weekday,
    open_form,
    search,
    section_text,
    wait_for_result,
)

from .support import scrape

WEDNESDAY = 2
# Every path the Bookable client calls, as templates (bot/bookable/client.py).
BOOKABLE_ROUTES = {
    "/venues",
    "/venues/{venueId}",
    "/venues/{compositeId}/availability",
    "/venues/{compositeId}/booking",
    "/venues/bookings/{bookingId}",
    "/webhooks",
    "/webhooks/test",
}


async def book_with_every_kind(stack: LocalStack) -> dict:
    """A search, the form (block_actions), a preorder lookup (options), a submission and an
    event: one request of every kind the ack histogram names. Returns the confirmation."""
    assert stack.driver is not None
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search dishoom party:2 date:{on}")
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Dishoom Covent Garden")
    await stack.driver.suggest(
        "U_ALICE", form["id"], ids.PREORDERS.action_id, ids.PREORDERS.block_id, "wine"
    )
    await fill(stack, form)
    await stack.driver.submit("U_ALICE", form["id"])
    await wait_for_result(stack, "U_ALICE")
    await stack.driver.event({"type": "app_home_opened", "user": "U_ALICE", "tab": "home"})
    return await confirmation(stack, "U_ALICE", "C_GENERAL")


def cancelled_in_thread(stack: LocalStack, ts: str) -> bool:
    return any("Cancelled" in section_text(m) for m in stack.fake.thread("C_GENERAL", ts))


async def test_metrics_expose_every_named_series_after_a_search_and_a_webhook(
    stack: LocalStack,
) -> None:
    before = scrape(stack.app_url)
    message = await book_with_every_kind(stack)
    [booking] = stack.sandbox_state()["bookings"]
    stack.sandbox_control(f"bookings/{booking['id']}/status", {"status": "cancelled"})
    await stack.fake.wait_for(lambda: cancelled_in_thread(stack, message["ts"]), within=WAIT)
    after = scrape(stack.app_url)

    for kind in ("command", "block_actions", "options", "view_submission", "event"):
        assert after.increase(before, "bookable_slack_ack_seconds_count", kind=kind) >= 1, kind
    assert after.value("bookable_slack_ack_seconds_bucket", kind="command", le="+Inf") >= 1

    calls = "bookable_api_calls_total"
    assert after.increase(before, calls, method="GET", route="/venues", status="200") >= 1
    availability = "/venues/{compositeId}/availability"
    assert after.increase(before, calls, method="GET", route=availability, status="200") >= 1
    booking_route = "/venues/{compositeId}/booking"
    assert after.increase(before, calls, method="POST", route=booking_route, status="201") == 1
    # The app fetched its token at start-up (registering the webhook); none failed.
    assert after.value("bookable_token_requests_total") >= 1
    assert "bookable_token_failures" in after.families

    # The confirmation and the thread reply went out through the notifier's Slack client,
    # the modal through Bolt's: both are counted.
    slack = "bookable_slack_api_calls_total"
    assert after.increase(before, slack, method="chat.postMessage", error="ok") >= 2
    assert after.increase(before, slack, method="views.open", error="ok") >= 1
    assert "bookable_slack_rate_limited" in after.families

    # Read from the database at scrape time: both jobs were delivered, nothing is dead.
    for state in ("pending", "retrying", "leased", "dead"):
        assert after.value("bookable_outbox_jobs", state=state) == 0, state

    assert after.value("process_resident_memory_bytes") > 0
    peak = after.value("bookable_process_peak_rss_bytes")
    assert peak >= 0.9 * after.value("process_resident_memory_bytes")  # read moments apart


async def test_bookable_route_labels_are_templates_never_ids(stack: LocalStack) -> None:
    before = scrape(stack.app_url)
    stack.sandbox_control("knobs", {"fail_next": {"count": 1, "status": 503}})
    await book_with_every_kind(stack)
    [booking] = stack.sandbox_state()["bookings"]
    after = scrape(stack.app_url)

    # The injected 503 is counted by its status (the retry that followed as a 200).
    calls = "bookable_api_calls_total"
    assert after.increase(before, calls, method="GET", route="/venues", status="503") == 1
    labels = after.labels_of("bookable_api_calls_total")
    assert labels
    ids_seen = {booking["id"], booking["compositeId"], booking["compositeId"].split("|")[2]}
    for label in labels:
        assert label["route"] in BOOKABLE_ROUTES, label
        assert not any(value in label["route"] for value in ids_seen), label
        assert not re.search(r"[0-9a-f]{16}|\|", label["route"]), label


async def test_slack_429s_are_counted_whether_retried_by_bolt_or_by_the_outbox(
    stack: LocalStack,
) -> None:
    before = scrape(stack.app_url)
    # Bolt's client retries views.open itself; the notifier hands the confirmation back to
    # the outbox, which posts it after Retry-After.
    stack.fake.inject("views.open", status=429, retry_after=1)
    stack.fake.inject("chat.postMessage", status=429, retry_after=1)
    await book_with_every_kind(stack)
    after = scrape(stack.app_url)

    limited = "bookable_slack_rate_limited_total"
    assert after.increase(before, limited, method="views.open") == 1
    assert after.increase(before, limited, method="chat.postMessage") >= 1
    slack = "bookable_slack_api_calls_total"
    # Each attempt is a call: the refused one, then the one Bolt's retry made.
    assert after.increase(before, slack, method="views.open", error="ratelimited") == 1
    assert after.increase(before, slack, method="views.open", error="ok") >= 1
    assert after.increase(before, slack, method="chat.postMessage", error="ratelimited") >= 1
