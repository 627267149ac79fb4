"""Team meal plans over the whole app: `/bookable plan`, the modal (venues from the search),
the channel message and its votes, the organiser control (an ephemeral with Book it and
Close, for the organiser or an admin only), booking the winner (Book it, or the deadline
after a restart), a slot gone at booking time, the party size following joins (or refused),
and a cancel that closes the plan. Signed requests to the real app; Bookable is the sandbox.

The message is updated in place a little after the votes (paced per channel), so each step
waits for the message to show the expected counts: a positive signal, never a sleep.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any
from urllib.parse import quote

import httpx

from bot.devtools.fake_slack.directory import User
from bot.devtools.stack import LocalStack
from bot.service.plans import LEASE_SECONDS
from bot.slack import ids

from .flow import (
    WAIT,
    book_directly,
    buttons,
    confirmation,
    next_weekday,
    sandbox_token,
    search,
    section_text,
    settled,
)
from .test_cancel_flow import _click_cancel

WEDNESDAY = 2
DISHOOM = ("dishoom covent", "Dishoom Covent Garden · Dinner")
SHOREDITCH = ("dishoom shoreditch", "Dishoom Shoreditch · Dinner")
CHEFS_TABLE = ("saltwater", "Saltwater Leith · Chef's Table")  # at most 8 guests online


def add_people(stack: LocalStack, count: int, prefix: str = "P") -> list[str]:
    """People in #general beyond the seeded three (this stack's fake only)."""
    added = []
    general = stack.fake.workspace.channels["C_GENERAL"]
    for n in range(count):
        user_id = f"U_{prefix}{n:02}"
        stack.fake.workspace.add_user(
            User(user_id, f"person{n}", f"Person{n}", "Voter", f"p{n}@example.com")
        )
        general.members.append(user_id)
        added.append(user_id)
    return added


async def free_times(stack: LocalStack, composite_id: str, on: dt.date, party: int) -> list[str]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        response = await client.get(
            f"{stack.sandbox_url}/venues/{quote(composite_id, safe='')}/availability",
            params={"date": on.isoformat(), "partySize": party},
            headers={"Authorization": f"Bearer {sandbox_token(stack)}"},
        )
    assert response.status_code == 200, response.text
    return [t["time"][:5] for t in response.json()["times"]]


async def start_plan(
    stack: LocalStack,
    options: list[tuple[str, str]],
    *,
    on: dt.date | None = None,
    party: int = 2,
    deadline: dt.datetime | None = None,
    note: str = "",
    user: str = "U_ALICE",
) -> dict[str, Any]:
    """`/bookable plan`, each option (search words, menu label) at its first free time for
    `party` on `on`; submit; return the plan's channel message once posted."""
    assert stack.driver is not None
    on = on or next_weekday(WEDNESDAY)
    response = await stack.driver.command(user, "C_GENERAL", "plan")
    assert response.status_code == 200
    view = await stack.fake.wait_for(
        lambda: (v := stack.fake.current_view(user)) and v["callback_id"] == ids.PLAN_CALLBACK
        and v,
        within=WAIT,
    )  # fmt: skip
    for position, (words, label) in enumerate(options):
        block = ids.plan_option_block("venue", position)
        await stack.driver.suggest(user, view["id"], ids.PLAN_VENUE_ACTION, block, words)
        assert stack.driver.last_options is not None
        chosen = next(o for o in stack.driver.last_options["options"]
                      if o["text"]["text"].startswith(label))  # fmt: skip
        await stack.driver.choose_option(view["id"], block, ids.PLAN_VENUE_ACTION, chosen["value"])
        time = (await free_times(stack, chosen["value"], on, party))[0]
        await stack.driver.select_date(
            view["id"], ids.plan_option_block("date", position), ids.PLAN_DATE_ACTION, on
        )
        await stack.driver.type_value(
            view["id"], ids.plan_option_block("time", position), ids.PLAN_TIME_ACTION, time
        )
    await stack.driver.type_value(
        view["id"], ids.PLAN_PHONE.block_id, ids.PLAN_PHONE.action_id, "+447700900123"
    )
    if deadline is not None:
        await stack.driver.choose_option(
            view["id"], ids.PLAN_DEADLINE.block_id, ids.PLAN_DEADLINE.action_id,
            int(deadline.timestamp()),
        )  # fmt: skip
    if note:
        await stack.driver.type_value(
            view["id"], ids.PLAN_NOTE.block_id, ids.PLAN_NOTE.action_id, note
        )
    before = {m["ts"] for m in stack.fake.messages("C_GENERAL")}
    await stack.driver.submit(user, view["id"])
    assert stack.driver.last_problem is None and not stack.driver.last_errors
    return await stack.fake.wait_for(
        lambda: next((m for m in stack.fake.messages("C_GENERAL") if m["ts"] not in before
                      and m["text"].startswith("Team meal planned")), None),
        within=WAIT,
    )  # fmt: skip


def plan_message(stack: LocalStack, posted: dict[str, Any]) -> dict[str, Any]:
    found = stack.fake.message("C_GENERAL", posted["ts"])
    assert found is not None
    return found


def counts(stack: LocalStack, posted: dict[str, Any]) -> list[int]:
    return [int(n) for n in re.findall(r"\*(\d+) in\*", section_text(plan_message(stack, posted)))]


async def wait_for_counts(stack: LocalStack, posted: dict[str, Any], expected: list[int]) -> None:
    await stack.fake.wait_for(lambda: counts(stack, posted) == expected, within=WAIT)


async def vote(stack: LocalStack, user: str, posted: dict[str, Any], position: int | None) -> None:
    assert stack.driver is not None
    message = plan_message(stack, posted)
    action = ids.PLAN_CANT_ACTION if position is None else f"{ids.PLAN_VOTE_ACTION}:{position}"
    prefix = ids.PLAN_CANT_ACTION if position is None else ids.PLAN_VOTE_ACTION
    [button] = [b for b in buttons(message, prefix) if b["action_id"] == action]
    response = await stack.driver.click(
        user, message, action, value=button["value"], channel_id="C_GENERAL"
    )
    assert response.status_code == 200


async def press(stack: LocalStack, user: str, posted: dict[str, Any], action: str) -> None:
    assert stack.driver is not None
    message = plan_message(stack, posted)
    [button] = buttons(message, action)
    response = await stack.driver.click(user, message, action, value=button["value"],
                                        channel_id="C_GENERAL")  # fmt: skip
    assert response.status_code == 200


def controls(stack: LocalStack, user: str) -> list[dict[str, Any]]:
    """The organiser controls `user` can see in #general, oldest first."""
    return [
        m
        for m in stack.fake.messages("C_GENERAL")
        if m.get("ephemeral_to") == user and m["text"].startswith("Organiser tools")
    ]


async def control(
    stack: LocalStack, user: str = "U_ALICE", *, words: str = "", seen: int = 0
) -> dict[str, Any]:
    """The newest organiser control to `user` saying `words`, once there are more than
    `seen` of them."""

    def found() -> dict[str, Any] | None:
        shown = controls(stack, user)
        newest = shown[-1] if len(shown) > seen else None
        return newest if newest and words in section_text(newest) else None

    return await stack.fake.wait_for(found, within=WAIT)


async def press_in(stack: LocalStack, user: str, message: dict[str, Any], action: str) -> None:
    """Press `action` in an ephemeral (as `user`: someone else's is a forged click)."""
    assert stack.driver is not None
    [button] = buttons(message, action)
    response = await stack.driver.click(user, message, action, value=button["value"],
                                        channel_id="C_GENERAL")  # fmt: skip
    assert response.status_code == 200


async def book_it(stack: LocalStack, posted: dict[str, Any]) -> dict[str, Any]:
    """The organiser presses Book it in the control posted with the plan; the control once
    it shows the outcome."""
    posted_control = await control(stack)
    await press_in(stack, "U_ALICE", posted_control, ids.PLAN_BOOK_ACTION)
    return await stack.fake.wait_for(
        lambda: (m := stack.fake.message("C_GENERAL", posted_control["ts"]))
        and "Booking the winner" not in section_text(m) and not buttons(m, ids.PLAN_BOOK_ACTION)
        and m,
        within=WAIT,
    )  # fmt: skip


async def in_thread(stack: LocalStack, posted: dict[str, Any], words: str) -> str:
    def found() -> str | None:
        return next((section_text(m) for m in stack.fake.thread("C_GENERAL", posted["ts"])
                     if words in section_text(m)), None)  # fmt: skip

    return await stack.fake.wait_for(found, within=WAIT)


def dms(stack: LocalStack, user: str, words: str) -> list[str]:
    texts = [section_text(m) for m in stack.fake.messages("D" + user[1:])]
    return [t for t in texts if words in t]


def bookings(stack: LocalStack) -> list[dict[str, Any]]:
    return list(stack.sandbox_state()["bookings"])


async def run_plans(stack: LocalStack, **body: Any) -> dict[str, int]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        response = await client.post(f"{stack.app_url}/_dev/plans/run", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json()["outcomes"])


# --- the tests ------------------------------------------------------------------------------


async def test_a_plan_is_posted_with_its_options_and_the_note_escaped(stack: LocalStack) -> None:
    posted = await start_plan(stack, [DISHOOM, SHOREDITCH], note="<!channel> lunch & more")
    text = section_text(posted)
    assert "*Dishoom Covent Garden* (Dinner)" in text and "*Dishoom Shoreditch* (Dinner)" in text
    assert "&lt;!channel&gt; lunch &amp; more" in text and "<!channel>" not in text
    assert counts(stack, posted) == [0, 0]
    assert len(buttons(posted, ids.PLAN_VOTE_ACTION)) == 2
    assert len(buttons(posted, ids.PLAN_TOOLS_ACTION)) == 1
    assert buttons(posted, ids.PLAN_BOOK_ACTION) == buttons(posted, ids.PLAN_CLOSE_ACTION) == []
    # Book it and Close are the organiser's alone: an ephemeral, posted to them with the plan.
    organiser = await control(stack, "U_ALICE", words="*Book it* books the option")
    assert len(buttons(organiser, ids.PLAN_BOOK_ACTION)) == 1
    assert len(buttons(organiser, ids.PLAN_CLOSE_ACTION)) == 1
    assert controls(stack, "U_BOB") == controls(stack, "U_CAROL") == []


async def test_fifty_people_voting_at_once_are_all_counted(stack: LocalStack) -> None:
    people = add_people(stack, 50)
    posted = await start_plan(stack, [DISHOOM, SHOREDITCH])
    await asyncio.gather(*(vote(stack, user, posted, n % 2) for n, user in enumerate(people)))
    await wait_for_counts(stack, posted, [25, 25])
    assert "and 17 more" in section_text(plan_message(stack, posted))  # names collapse
    # Who's in? lists everyone, to the clicker only.
    await press(stack, "U_BOB", posted, ids.PLAN_WHO_ACTION)
    everyone = await stack.fake.wait_for(
        lambda: next((m for m in stack.fake.messages("C_GENERAL")
                      if m.get("ephemeral_to") == "U_BOB" and "Who" in m["text"]), None),
        within=WAIT,
    )  # fmt: skip
    assert all(f"<@{user}>" in section_text(everyone) for user in people)


async def test_a_second_click_toggles_and_another_option_moves_the_vote(stack: LocalStack) -> None:
    posted = await start_plan(stack, [DISHOOM, SHOREDITCH])
    await vote(stack, "U_ALICE", posted, 0)
    await vote(stack, "U_BOB", posted, 0)
    await wait_for_counts(stack, posted, [2, 0])
    await vote(stack, "U_ALICE", posted, 0)  # again: out
    await wait_for_counts(stack, posted, [1, 0])
    await vote(stack, "U_BOB", posted, 1)  # moved
    await wait_for_counts(stack, posted, [0, 1])
    await vote(stack, "U_CAROL", posted, None)
    await stack.fake.wait_for(
        lambda: "Can't make it: *1*" in section_text(plan_message(stack, posted)), within=WAIT
    )
    assert "<@U_BOB>" in section_text(plan_message(stack, posted))


async def test_only_the_organiser_or_an_admin_may_book_or_close(stack: LocalStack) -> None:
    posted = await start_plan(stack, [DISHOOM])
    alices = await control(stack, "U_ALICE")
    await vote(stack, "U_CAROL", posted, 0)
    await wait_for_counts(stack, posted, [1])

    refused = "Only <@U_ALICE>, who planned this meal, or an admin can book or close it."

    def refusals() -> list[dict[str, Any]]:
        return [m for m in stack.fake.messages("C_GENERAL")
                if m.get("ephemeral_to") == "U_CAROL" and refused in section_text(m)]  # fmt: skip

    # Organiser tools, pressed by someone else: a one-liner naming the organiser, no control.
    await press(stack, "U_CAROL", posted, ids.PLAN_TOOLS_ACTION)
    await stack.fake.wait_for(lambda: len(refusals()) == 1, within=WAIT)
    assert controls(stack, "U_CAROL") == []
    # A forged click on the control's Book it is refused, books nothing, leaves the control.
    await press_in(stack, "U_CAROL", alices, ids.PLAN_BOOK_ACTION)
    await stack.fake.wait_for(lambda: len(refusals()) == 2, within=WAIT)
    assert bookings(stack) == []
    assert stack.fake.message("C_GENERAL", alices["ts"]) == alices

    await press(stack, "U_BOB", posted, ids.PLAN_TOOLS_ACTION)  # a workspace admin
    bobs = await control(stack, "U_BOB", words="*Book it* books the option")
    await press_in(stack, "U_BOB", bobs, ids.PLAN_CLOSE_ACTION)
    await stack.fake.wait_for(
        lambda: "This plan is closed" in section_text(plan_message(stack, posted)), within=WAIT
    )
    assert buttons(plan_message(stack, posted), ids.PLAN_VOTE_ACTION) == []
    closed = stack.fake.message("C_GENERAL", bobs["ts"])  # replaced in place
    assert closed is not None and "This plan is closed" in section_text(closed)
    assert buttons(closed, ids.PLAN_CLOSE_ACTION) == []

    # The organiser's control from before is stale: its Book it says so and books nothing.
    await press_in(stack, "U_ALICE", alices, ids.PLAN_BOOK_ACTION)
    await stack.fake.wait_for(
        lambda: (m := stack.fake.message("C_GENERAL", alices["ts"]))
        and "This plan is closed" in section_text(m) and not buttons(m, ids.PLAN_BOOK_ACTION),
        within=WAIT,
    )  # fmt: skip
    assert bookings(stack) == []


async def test_the_deadline_books_the_winner_after_a_restart(stack: LocalStack) -> None:
    deadline = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    posted = await start_plan(stack, [DISHOOM, SHOREDITCH], deadline=deadline)
    for user, position in (("U_ALICE", 1), ("U_BOB", 1), ("U_CAROL", 0)):
        await vote(stack, user, posted, position)
    await wait_for_counts(stack, posted, [1, 2])

    stack.stop_app()  # a new app instance on the same database
    stack.start_app()
    assert await run_plans(stack, to=(deadline - dt.timedelta(seconds=1)).isoformat()) == {}
    assert bookings(stack) == []
    assert await run_plans(stack, to=deadline.isoformat()) == {"booked": 1}

    [booking] = bookings(stack)
    assert booking["partySize"] == 2 and booking["firstName"] == "Alice"
    assert "Booked *Dishoom Shoreditch*" in await in_thread(stack, posted, "Booked")
    for user in ("U_ALICE", "U_BOB"):
        await stack.fake.wait_for(lambda u=user: dms(stack, u, "You're in"), within=WAIT)
    assert dms(stack, "U_CAROL", "You're in") == []
    assert await run_plans(stack, advance=3600) == {}  # booked once


async def dishoom_taken(stack: LocalStack, *, party: int) -> None:
    """Another partner books Dishoom Covent Garden's first free time (the plans' option 1
    from `start_plan`) until it has no table left for `party`."""
    on = next_weekday(WEDNESDAY)
    dishoom = await _composite(stack, "dishoom covent", "Dishoom Covent Garden")
    time = (await free_times(stack, dishoom, on, party))[0]
    while time in await free_times(stack, dishoom, on, party):
        assert book_directly(stack, dishoom, on, time, party).status_code == 201


async def test_a_slot_gone_at_booking_time_offers_the_next_option(stack: LocalStack) -> None:
    posted = await start_plan(stack, [DISHOOM, SHOREDITCH])
    await vote(stack, "U_ALICE", posted, 0)
    await vote(stack, "U_BOB", posted, 0)
    await vote(stack, "U_CAROL", posted, 1)
    await wait_for_counts(stack, posted, [2, 1])
    await dishoom_taken(stack, party=2)

    pressed = await book_it(stack, posted)
    assert "your choice is below" in section_text(pressed)
    note = await in_thread(stack, posted, "can no longer seat")
    assert "next option, *Dishoom Shoreditch*" in note
    # The organiser is asked: a fresh control, naming the next option on its button.
    asked = await control(stack, words="can no longer seat 2", seen=1)
    assert "*Book option 2* books the next option, *Dishoom Shoreditch*" in section_text(asked)
    [book] = buttons(asked, ids.PLAN_BOOK_ACTION)
    assert book["text"]["text"] == "Book option 2"
    await stack.fake.wait_for(
        lambda: "No longer available" in section_text(plan_message(stack, posted)), within=WAIT
    )
    assert [b["firstName"] for b in bookings(stack)] == ["Other"] * len(bookings(stack))

    await vote(stack, "U_BOB", posted, 1)  # Bob follows: option 2 now has the most people in
    await wait_for_counts(stack, posted, [1, 2])
    await press_in(stack, "U_ALICE", asked, ids.PLAN_BOOK_ACTION)
    await in_thread(stack, posted, "Booked *Dishoom Shoreditch*")
    ours = [b for b in bookings(stack) if b["firstName"] == "Alice"]
    assert [b["partySize"] for b in ours] == [2]
    await stack.fake.wait_for(
        lambda: (m := stack.fake.message("C_GENERAL", asked["ts"]))
        and "Booked *Dishoom Shoreditch*" in section_text(m),
        within=WAIT,
    )  # fmt: skip


async def test_the_next_option_offered_books_that_option_or_nothing(stack: LocalStack) -> None:
    posted = await start_plan(stack, [DISHOOM, SHOREDITCH])
    await vote(stack, "U_ALICE", posted, 0)
    await vote(stack, "U_CAROL", posted, 1)
    await wait_for_counts(stack, posted, [1, 1])
    await dishoom_taken(stack, party=1)
    await book_it(stack, posted)
    asked = await control(stack, words="Book option 2", seen=1)

    await vote(stack, "U_CAROL", posted, None)  # nobody is in for option 2 now
    await wait_for_counts(stack, posted, [1, 0])
    await press_in(stack, "U_ALICE", asked, ids.PLAN_BOOK_ACTION)
    stale = await stack.fake.wait_for(
        lambda: (m := stack.fake.message("C_GENERAL", asked["ts"]))
        and "can't be booked now" in section_text(m) and m,
        within=WAIT,
    )  # fmt: skip
    assert len(buttons(stale, ids.PLAN_BOOK_ACTION)) == 1  # voting goes on: Book it again
    assert [b["firstName"] for b in bookings(stack)] == ["Other"] * len(bookings(stack))


async def test_someone_joining_after_booking_grows_the_table(stack: LocalStack) -> None:
    posted = await start_plan(stack, [DISHOOM])
    await vote(stack, "U_ALICE", posted, 0)
    await vote(stack, "U_BOB", posted, 0)
    await wait_for_counts(stack, posted, [2])
    await book_it(stack, posted)
    await in_thread(stack, posted, "Booked")
    await settled(stack)

    await vote(stack, "U_CAROL", posted, 0)
    assert "*3*" in await in_thread(stack, posted, "now for")
    [booking] = bookings(stack)
    assert booking["partySize"] == 3
    await vote(stack, "U_BOB", posted, 0)  # leaves
    assert "*2* (was 3)" in await in_thread(stack, posted, "(was 3)")
    assert bookings(stack)[0]["partySize"] == 2


async def test_a_join_the_venue_cannot_seat_changes_nothing_and_asks_the_organiser(
    stack: LocalStack,
) -> None:
    people = add_people(stack, 8)
    posted = await start_plan(stack, [CHEFS_TABLE], party=8)
    await asyncio.gather(*(vote(stack, user, posted, 0) for user in people[:8]))
    await wait_for_counts(stack, posted, [8])
    await book_it(stack, posted)
    await in_thread(stack, posted, "Booked")
    await settled(stack)
    [booking] = bookings(stack)
    assert booking["partySize"] == 8

    await vote(stack, "U_CAROL", posted, 0)  # the ninth: the Chef's Table seats 8 online
    note = await in_thread(stack, posted, "cannot seat 9")
    assert "<@U_ALICE>" in note and "stays a table for *8*" in note
    assert bookings(stack)[0]["partySize"] == 8


async def test_cancelling_the_booking_closes_the_plan_and_tells_everyone_in(
    stack: LocalStack,
) -> None:
    posted = await start_plan(stack, [DISHOOM])
    await vote(stack, "U_BOB", posted, 0)
    await vote(stack, "U_CAROL", posted, 0)
    await wait_for_counts(stack, posted, [2])
    await book_it(stack, posted)
    await in_thread(stack, posted, "Booked")
    confirmed = await confirmation(stack, "U_ALICE", "C_GENERAL")
    await settled(stack)

    await _click_cancel(stack, "U_ALICE", confirmed)
    await in_thread(stack, posted, "is off")
    for user in ("U_BOB", "U_CAROL"):
        await stack.fake.wait_for(lambda u=user: dms(stack, u, "is off"), within=WAIT)
    await stack.fake.wait_for(
        lambda: "This plan is closed" in section_text(plan_message(stack, posted)), within=WAIT
    )
    assert buttons(plan_message(stack, posted), ids.PLAN_VOTE_ACTION) == []


async def _composite(stack: LocalStack, words: str, venue: str) -> str:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        response = await client.get(
            f"{stack.sandbox_url}/venues", params={"venue_name": words},
            headers={"Authorization": f"Bearer {sandbox_token(stack)}"},
        )  # fmt: skip
    found = next(v for v in response.json()["data"] if v["name"] == venue)
    return str(next(p for p in found["products"] if p["productName"] == "Dinner")["compositeId"])


async def test_plan_with_the_channel_from_search_results(stack: LocalStack) -> None:
    assert stack.driver is not None
    on = next_weekday(WEDNESDAY)
    results = await search(stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{on}")
    start = buttons(results, ids.PLAN_START_ACTION)[0]
    response = await stack.driver.click(
        "U_ALICE", results, start["action_id"], value=start["value"], channel_id="C_GENERAL"
    )
    assert response.status_code == 200
    view = await stack.fake.wait_for(
        lambda: (v := stack.fake.current_view("U_ALICE")) and v["callback_id"] == ids.PLAN_CALLBACK
        and v,
        within=WAIT,
    )  # fmt: skip
    venue = view["blocks"][1]["element"]["initial_option"]
    assert venue["text"]["text"].startswith("Dishoom Covent Garden")
    time = (await free_times(stack, venue["value"], on, 2))[0]
    date_block, time_block = ids.plan_option_block("date", 0), ids.plan_option_block("time", 0)
    await stack.driver.select_date(view["id"], date_block, ids.PLAN_DATE_ACTION, on)
    await stack.driver.type_value(view["id"], time_block, ids.PLAN_TIME_ACTION, time)
    await stack.driver.type_value(
        view["id"], ids.PLAN_PHONE.block_id, ids.PLAN_PHONE.action_id, "+447700900123"
    )
    await stack.driver.submit("U_ALICE", view["id"])
    assert stack.driver.last_problem is None and not stack.driver.last_errors
    posted = await stack.fake.wait_for(
        lambda: next((m for m in stack.fake.messages("C_GENERAL")
                      if m["text"].startswith("Team meal planned")), None),
        within=WAIT,
    )  # fmt: skip
    assert "*Dishoom Covent Garden*" in section_text(posted)


async def test_the_venue_cancelling_the_booking_closes_the_plan_too(stack: LocalStack) -> None:
    posted = await start_plan(stack, [DISHOOM])
    await vote(stack, "U_BOB", posted, 0)
    await wait_for_counts(stack, posted, [1])
    await book_it(stack, posted)
    await in_thread(stack, posted, "Booked")
    await settled(stack)
    [booking] = [b for b in stack.sandbox_state()["bookings"] if b["status"] != "cancelled"]

    # Cancelled at the venue: Bookable's webhook, not a click in Slack.
    stack.sandbox_control(f"bookings/{quote(booking['id'], safe='')}/status",
                          {"status": "cancelled"})  # fmt: skip
    await in_thread(stack, posted, "is off")
    await stack.fake.wait_for(lambda: dms(stack, "U_BOB", "is off"), within=WAIT)
    await stack.fake.wait_for(
        lambda: "This plan is closed" in section_text(plan_message(stack, posted)), within=WAIT
    )


async def test_a_booking_bookable_left_unclear_is_finished_by_a_later_pass(
    stack: LocalStack,
) -> None:
    """Bookable books the table but answers with garbage: the plan says so, and a later
    pass (once the booking's lease has run out) finds the booking by the same idempotency
    key, never booking a second table, and posts it as booked."""
    deadline = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    posted = await start_plan(stack, [DISHOOM], deadline=deadline)
    await vote(stack, "U_BOB", posted, 0)
    await wait_for_counts(stack, posted, [1])
    stack.sandbox_control("knobs", {"lose_next_answer": {"count": 1, "answer": "garbage"}})
    assert await run_plans(stack, to=deadline.isoformat()) == {"pending": 1}
    await in_thread(stack, posted, "hasn't confirmed")
    await confirmation(stack, "U_ALICE", "C_GENERAL")  # the webhook adopted the booking

    assert await run_plans(stack, advance=60) == {}  # still leased
    assert await run_plans(stack, advance=LEASE_SECONDS) == {"booked": 1}
    assert "Booked *Dishoom Covent Garden*" in await in_thread(stack, posted, "Booked")
    await stack.fake.wait_for(lambda: dms(stack, "U_BOB", "You're in"), within=WAIT)
    assert len(bookings(stack)) == 1
