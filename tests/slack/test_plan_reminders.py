"""A team meal's booking, after it is booked: everyone in gets a DM with the calendar links
and when they will be reminded, and at that time a reminder of their own (the booker's
with Change and Cancel, the guests' without), going by who is in then, not at booking.

The plan is booked by its deadline (`/_dev/plans/run`) and reminders are sent by moving
the app's clock (`/_dev/reminders/run`); each answers once its pass is over.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar

from bot.devtools.stack import LocalStack
from bot.slack import ids

from .flow import WAIT, buttons, section_text, settled
from .test_calendar_links import fetch, links
from .test_plan_flow import (
    DISHOOM,
    bookings,
    in_thread,
    run_plans,
    start_plan,
    vote,
    wait_for_counts,
)
from .test_reminders_flow import LEAD, reminders_to, run_reminders, starts_at


def you_are_in(stack: LocalStack, user: str) -> list[dict[str, Any]]:
    return [m for m in stack.fake.messages("D" + user[1:]) if m["text"].startswith("You're in")]


async def booked_plan(stack: LocalStack, voters: list[str]) -> dict[str, Any]:
    """A one-option plan with `voters` in, booked by its deadline."""
    deadline = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    posted = await start_plan(stack, [DISHOOM], deadline=deadline)
    for user in voters:
        await vote(stack, user, posted, 0)
    await wait_for_counts(stack, posted, [len(voters)])
    assert await run_plans(stack, to=deadline.isoformat()) == {"booked": 1}
    await in_thread(stack, posted, "Booked")
    await settled(stack)
    return posted


async def test_everyone_in_gets_the_calendar_link_and_when_they_will_be_reminded(
    stack: LocalStack,
) -> None:
    await booked_plan(stack, ["U_BOB", "U_CAROL"])
    [booking] = bookings(stack)
    due = starts_at(booking) - LEAD
    for user in ("U_BOB", "U_CAROL"):
        [dm] = await stack.fake.wait_for(lambda u=user: you_are_in(stack, u), within=WAIT)
        text = section_text(dm)
        assert "a table for 2" in text and "<@U_ALICE>" in text
        assert f"I'll remind you <!date^{int(due.timestamp())}^" in text
        found = links(dm)
        assert "calendar.google.com" in found["Google Calendar"]
        response = await fetch(found["Add to calendar (.ics)"])
        assert response.status_code == 200
        [event] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
        assert str(event["summary"]) == "Table at Dishoom Covent Garden"
    assert you_are_in(stack, "U_ALICE") == []  # the organiser booked but did not vote


async def test_dms_rate_limited_by_slack_are_sent_once_the_limit_passes(
    stack: LocalStack,
) -> None:
    deadline = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    posted = await start_plan(stack, [DISHOOM], deadline=deadline)
    for user in ("U_BOB", "U_CAROL"):
        await vote(stack, user, posted, 0)
    await wait_for_counts(stack, posted, [2])
    stack.fake.inject("conversations.open", status=429, retry_after=0, count=2)
    assert await run_plans(stack, to=deadline.isoformat()) == {"booked": 1}
    for user in ("U_BOB", "U_CAROL"):
        await stack.fake.wait_for(lambda u=user: you_are_in(stack, u), within=WAIT)
    assert "Booked" in await in_thread(stack, posted, "Booked")


async def test_the_reminder_reaches_whoever_is_in_at_its_time(stack: LocalStack) -> None:
    posted = await booked_plan(stack, ["U_ALICE", "U_BOB"])
    await vote(stack, "U_CAROL", posted, 0)  # joins after booking
    await in_thread(stack, posted, "now for *3*")
    await vote(stack, "U_BOB", posted, 0)  # leaves
    await in_thread(stack, posted, "(was 3)")
    [booking] = bookings(stack)
    due = starts_at(booking) - LEAD

    assert await run_reminders(stack, to=due) == {"sent": 1}
    [own] = reminders_to(stack, "U_ALICE")
    assert "your table at *Dishoom Covent Garden*" in section_text(own)
    assert [b["value"] for b in buttons(own, ids.CANCEL_ACTION)] == [booking["id"]]
    [guest] = reminders_to(stack, "U_CAROL")
    text = section_text(guest)
    assert "the team meal at *Dishoom Covent Garden*, booked by <@U_ALICE>" in text
    assert "party of 2" in text and "Add to calendar" in text
    assert buttons(guest, ids.CANCEL_ACTION) == buttons(guest, ids.CHANGE_ACTION) == []
    assert reminders_to(stack, "U_BOB") == []

    assert await run_reminders(stack, advance=60) == {}  # each of them once
    assert [len(reminders_to(stack, u)) for u in ("U_ALICE", "U_CAROL")] == [1, 1]
