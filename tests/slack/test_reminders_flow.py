"""Reminders over the whole app: scheduled when a booking is confirmed, moved when it
changes, removed when it is cancelled or declined, kept across a restart, never sent for a
time already passed.

The app's clock is moved through `POST /_dev/reminders/run` (BOOKABLE_ENV=local), which
answers once its pass is over: the positive signal that a reminder was *not* sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from bot.devtools.stack import LocalStack
from bot.service.reminders import Reminders
from bot.slack import ids
from bot.store import Store
from tests.webhooks.support import postgres_database

from .flow import (
    WAIT,
    book_through_slack,
    buttons,
    next_weekday,
    sandbox_token,
    section_text,
    settled,
    wait_for_result,
)
from .test_cancel_flow import _click_cancel
from .test_change_flow import _change_form, _choose_other_time, _click_change

WEDNESDAY = 2
LONDON = ZoneInfo("Europe/London")
LEAD = dt.timedelta(hours=2)  # REMINDER_LEAD's default


async def booked(stack: LocalStack) -> dict[str, Any]:
    return await book_through_slack(
        stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{next_weekday(WEDNESDAY)}",
        "Dishoom Covent Garden",
    )  # fmt: skip


def the_booking(stack: LocalStack) -> dict[str, Any]:
    [booking] = stack.sandbox_state()["bookings"]
    return booking


def starts_at(booking: dict[str, Any]) -> dt.datetime:
    """Bookable's date and time are the venue's local time (London in the sandbox)."""
    day = dt.date.fromisoformat(booking["date"])
    at = dt.time.fromisoformat(booking["time"][:5])
    return dt.datetime.combine(day, at, tzinfo=LONDON)


async def run_reminders(stack: LocalStack, **body: Any) -> dict[str, int]:
    """Move the app's clock (`to=` an instant) and send what is then due."""
    if isinstance(body.get("to"), dt.datetime):
        body["to"] = body["to"].isoformat()
    async with httpx.AsyncClient(timeout=WAIT) as client:
        response = await client.post(f"{stack.app_url}/_dev/reminders/run", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json()["outcomes"])


def reminders_to(stack: LocalStack, user: str = "U_ALICE") -> list[dict[str, Any]]:
    dm = "D" + user[1:]
    return [m for m in stack.fake.messages(dm) if m["text"].startswith("Reminder:")]


async def patch_at_bookable(stack: LocalStack, booking_id: str, ops: list[dict]) -> None:
    """A change made through Bookable (its webhook booking.updated follows)."""
    async with httpx.AsyncClient(timeout=WAIT) as client:
        response = await client.patch(
            f"{stack.sandbox_url}/venues/bookings/{quote(booking_id, safe='')}",
            headers={"Authorization": f"Bearer {sandbox_token(stack)}"},
            json=ops,
        )
    assert response.status_code == 200, response.text


async def other_free_time(stack: LocalStack, booking: dict[str, Any]) -> str:
    """A bookable time on the same day, other than the booking's own."""
    async with httpx.AsyncClient(timeout=WAIT) as client:
        response = await client.get(
            f"{stack.sandbox_url}/venues/{quote(booking['compositeId'], safe='')}/availability",
            params={"date": booking["date"], "partySize": booking["partySize"]},
            headers={"Authorization": f"Bearer {sandbox_token(stack)}"},
        )
    times = [t["time"][:5] for t in response.json()["times"] if t.get("type", "book") == "book"]
    return next(t for t in reversed(times) if t != booking["time"][:5])


async def test_a_confirmed_booking_is_reminded_by_dm_at_its_time(stack: LocalStack) -> None:
    await booked(stack)
    booking = the_booking(stack)
    due = starts_at(booking) - LEAD

    assert await run_reminders(stack, to=due - dt.timedelta(seconds=1)) == {}
    assert reminders_to(stack) == []

    assert await run_reminders(stack, to=due) == {"sent": 1}
    [reminder] = reminders_to(stack)
    text = section_text(reminder)
    assert "Dishoom Covent Garden" in text
    assert f"*{booking['time'][:5]}*" in text and "party of 2" in text
    assert "12 Upper St Martin's Lane" in text  # the venue's address, from Bookable
    assert "https://www.google.com/maps/search/?api=1&amp;query=12+Upper+St+Martin" in text
    assert "Add to calendar" in text and "calendar.google.com" in text
    assert [b["value"] for b in buttons(reminder, ids.CHANGE_ACTION)] == [booking["id"]]
    assert [b["value"] for b in buttons(reminder, ids.CANCEL_ACTION)] == [booking["id"]]

    assert await run_reminders(stack, advance=60) == {}  # sent once
    assert len(reminders_to(stack)) == 1


async def test_the_reminder_shows_the_bookers_own_time_when_their_zone_differs(
    stack: LocalStack,
) -> None:
    await book_through_slack(
        stack, "U_CAROL", "C_GENERAL", f"search dishoom covent date:{next_weekday(WEDNESDAY)}",
        "Dishoom Covent Garden",
    )  # fmt: skip
    start = starts_at(the_booking(stack))
    assert await run_reminders(stack, to=start - LEAD) == {"sent": 1}
    [reminder] = reminders_to(stack, "U_CAROL")
    theirs = start.astimezone(ZoneInfo("America/New_York"))
    assert f"({theirs:%H:%M} your time)" in section_text(reminder)


async def test_a_change_at_bookable_moves_the_reminder(stack: LocalStack) -> None:
    message = await booked(stack)
    booking = the_booking(stack)
    old_due = starts_at(booking) - LEAD
    new_time = await other_free_time(stack, booking)
    await patch_at_bookable(
        stack, booking["id"], [{"op": "replace", "path": "/time", "value": new_time}]
    )
    await settled(stack)  # its webhook booking.updated is processed
    new_due = starts_at({**booking, "time": new_time}) - LEAD

    early = min(old_due, new_due) - dt.timedelta(seconds=1)
    assert await run_reminders(stack, to=early) == {}
    if old_due < new_due:
        assert await run_reminders(stack, to=old_due) == {}  # not at the old time
    assert await run_reminders(stack, to=new_due) == {"sent": 1}
    [reminder] = reminders_to(stack)
    assert f"*{new_time}*" in section_text(reminder)
    # The confirmation message shows the new time too (its links follow the booking).
    updated = stack.fake.message("C_GENERAL", message["ts"])
    assert updated is not None and f"*{new_time} venue time*" in section_text(updated)


async def test_reschedule_moves_it_and_a_missed_hook_never_sends_a_wrong_reminder(
    stack: LocalStack,
) -> None:
    await booked(stack)
    booking = the_booking(stack)
    old_due = starts_at(booking) - LEAD
    await settled(stack)  # its creation webhook is processed: nothing else writes the row
    assert stack.settings is not None
    store = await Store.connect(stack.database_url)
    try:
        record = await store.get_booking(booking["id"])
        assert record is not None
        later = (starts_at(booking) + dt.timedelta(hours=1)).strftime("%H:%M")
        moved = dataclasses.replace(record, time=later)
        # The booking changed but nobody told the reminders (a missed hook).
        await store.save_booking(moved)
        assert await run_reminders(stack, to=old_due) == {"moved": 1}  # re-planned, not sent
        assert reminders_to(stack) == []

        # The reschedule API (what a change calls): back to the original time.
        await store.save_booking(record)
        plan = await Reminders(store, stack.settings).reschedule(record)
        assert plan is not None and plan.due_at == old_due
    finally:
        await store.close()
    assert await run_reminders(stack, to=old_due) == {"sent": 1}
    assert f"*{booking['time'][:5]}*" in section_text(reminders_to(stack)[0])


async def test_a_cancel_from_slack_removes_the_reminder(stack: LocalStack) -> None:
    message = await booked(stack)
    due = starts_at(the_booking(stack)) - LEAD
    await _click_cancel(stack, "U_ALICE", message)
    await stack.fake.wait_for(
        lambda: "Cancelled" in section_text(stack.fake.message("C_GENERAL", message["ts"]) or {}),
        within=WAIT,
    )
    assert await run_reminders(stack, to=due) == {}
    assert reminders_to(stack) == []


async def test_a_booking_the_venue_declines_loses_its_reminder(stack: LocalStack) -> None:
    await booked(stack)
    booking = the_booking(stack)
    stack.sandbox_control(f"bookings/{quote(booking['id'], safe='')}/status",
                          {"status": "declined"})  # fmt: skip
    await settled(stack)
    assert await run_reminders(stack, to=starts_at(booking) - LEAD) == {}
    assert reminders_to(stack) == []


async def test_a_reminder_survives_a_restart(stack: LocalStack) -> None:
    await booked(stack)
    due = starts_at(the_booking(stack)) - LEAD
    await settled(stack)
    stack.stop_app()
    stack.start_app()  # a new app instance on the same database
    assert await run_reminders(stack, to=due) == {"sent": 1}
    [reminder] = reminders_to(stack)
    assert "Dishoom Covent Garden" in section_text(reminder)


async def test_no_reminder_for_a_time_already_passed(stack: LocalStack) -> None:
    # Booked when its reminder time has already gone by (the app's clock is moved past it).
    day = next_weekday(WEDNESDAY)
    await run_reminders(stack, to=dt.datetime.combine(day, dt.time(23, 0), tzinfo=LONDON))
    await booked(stack)
    await settled(stack)
    assert await run_reminders(stack, advance=3600) == {}
    assert reminders_to(stack) == []


async def test_a_reminder_whose_booking_has_started_is_dropped(stack: LocalStack) -> None:
    # The app was down from before the reminder was due until after the booking began.
    await booked(stack)
    start = starts_at(the_booking(stack))
    assert await run_reminders(stack, to=start + dt.timedelta(minutes=1)) == {"dropped": 1}
    assert reminders_to(stack) == []


async def test_an_enquiry_is_reminded_once_the_venue_confirms_it(stack: LocalStack) -> None:
    await book_through_slack(
        stack, "U_ALICE", "C_GENERAL", f"search saltwater date:{next_weekday(WEDNESDAY)} party:2",
        "Saltwater Leith", product="Chef",
    )  # fmt: skip
    booking = the_booking(stack)
    assert booking["status"] == "Pending"
    due = starts_at(booking) - LEAD
    await settled(stack)
    assert await run_reminders(stack, to=due) == {}  # pending: no reminder

    await run_reminders(stack, to=due - dt.timedelta(hours=1))  # back before its time
    stack.sandbox_control(f"bookings/{quote(booking['id'], safe='')}/status",
                          {"status": "confirmed"})  # fmt: skip
    await settled(stack)
    assert await run_reminders(stack, to=due) == {"sent": 1}
    assert "Saltwater Leith" in section_text(reminders_to(stack)[0])


async def test_a_reminder_survives_a_restart_on_postgres() -> None:
    async with postgres_database() as url:
        with LocalStack(database_url=url) as stack:
            await booked(stack)
            due = starts_at(the_booking(stack)) - LEAD
            await settled(stack)
            stack.stop_app()
            stack.start_app()
            assert await run_reminders(stack, to=due) == {"sent": 1}
            assert await run_reminders(stack, advance=60) == {}
            assert len(reminders_to(stack)) == 1


async def test_cancel_from_the_reminder_cancels_the_booking(stack: LocalStack) -> None:
    message = await booked(stack)
    booking = the_booking(stack)
    assert await run_reminders(stack, to=starts_at(booking) - LEAD) == {"sent": 1}
    [reminder] = reminders_to(stack)
    [cancel] = buttons(reminder, ids.CANCEL_ACTION)
    assert stack.driver is not None
    response = await stack.driver.click(
        "U_ALICE", reminder, cancel["action_id"], value=cancel["value"], channel_id="D_ALICE"
    )
    assert response.status_code == 200
    await stack.fake.wait_for(lambda: the_booking(stack)["status"] == "Cancelled", within=WAIT)
    await stack.fake.wait_for(
        lambda: "Cancelled" in section_text(stack.fake.message("C_GENERAL", message["ts"]) or {}),
        within=WAIT,
    )


async def test_the_dev_clock_control_refuses_bad_input(stack: LocalStack) -> None:
    async with httpx.AsyncClient(base_url=stack.app_url, timeout=WAIT) as client:
        for body in (b"{nope", b"[1]", b'{"advance": -1}', b'{"advance": "soon"}',
                     b'{"to": "tomorrow"}', b'{"to": "2030-01-01T10:00:00"}'):  # fmt: skip
            response = await client.post("/_dev/reminders/run", content=body)
            assert response.status_code == 400, body
            assert response.json()["ok"] is False


async def test_a_change_made_in_slack_moves_the_reminder(stack: LocalStack) -> None:
    message = await booked(stack)
    before = the_booking(stack)
    old_due = starts_at(before) - LEAD
    await _click_change(stack, "U_ALICE", message)
    form = await _change_form(stack, "U_ALICE")
    new_time = await _choose_other_time(stack, form, before["time"][:5])
    await stack.driver.submit("U_ALICE", form["id"])
    assert "Booking changed" in section_text(await wait_for_result(stack, "U_ALICE"))
    await settled(stack)
    assert the_booking(stack)["time"][:5] == new_time
    new_due = starts_at(the_booking(stack)) - LEAD

    # Sent at the new time only: nothing at the old one, whichever comes first.
    if old_due < new_due:
        assert await run_reminders(stack, to=old_due) == {}
        assert await run_reminders(stack, to=new_due) == {"sent": 1}
    else:
        assert await run_reminders(stack, to=new_due) == {"sent": 1}
        assert await run_reminders(stack, to=old_due) == {}
    [reminder] = reminders_to(stack)
    assert f"*{new_time}*" in section_text(reminder)
