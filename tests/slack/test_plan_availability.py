"""Live availability in team meal plans, over signed HTTP against the sandbox and the fake
Slack: each option in the channel message says whether its time is free for the people in
(and says so when a growing party no longer fits), the plan modal shows an option's free
times once its venue and date are chosen (at once for venues from search results), and a
spent budget or a slow Bookable leaves "checked when booking" while the counts still update.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from bot.devtools.stack import LocalStack
from bot.slack import ids
from bot.slack.blocks.common import human_date

from .flow import WAIT, buttons, next_weekday, search, section_text
from .test_plan_flow import (
    CHEFS_TABLE,
    DISHOOM,
    SHOREDITCH,
    WEDNESDAY,
    add_people,
    free_times,
    plan_message,
    start_plan,
    vote,
    wait_for_counts,
)

FALLBACK = "Availability is checked when booking"


def availability_asked(stack: LocalStack) -> int:
    return sum(r["path"].endswith("/availability") for r in stack.sandbox_state()["received"])


def message_updates(stack: LocalStack, posted: dict[str, Any]) -> int:
    return sum(c.args.get("ts") == posted["ts"] for c in stack.fake.calls_to("chat.update"))


async def wait_for_text(stack: LocalStack, posted: dict[str, Any], words: str) -> str:
    def found() -> str | None:
        text = section_text(plan_message(stack, posted))
        return text if words in text else None

    return await stack.fake.wait_for(found, within=WAIT)


async def test_each_option_shows_if_its_time_is_free_for_the_people_in(stack: LocalStack) -> None:
    posted = await start_plan(stack, [DISHOOM, SHOREDITCH])
    assert FALLBACK not in section_text(posted)  # posted at once; availability follows
    text = await wait_for_text(stack, posted, "Free for 1 at")
    assert text.count(":large_green_circle: Free for 1 at") == 2
    for user in ("U_ALICE", "U_BOB", "U_CAROL"):
        await vote(stack, user, posted, 0)
    await wait_for_counts(stack, posted, [3, 0])
    text = await wait_for_text(stack, posted, "Free for 3 at")
    first, second = text.split("Dishoom Shoreditch")
    assert "Free for 3 at" in first and "Free for 1 at" in second  # each option its party


async def test_a_party_the_slot_cannot_seat_is_shown_as_not_free(stack: LocalStack) -> None:
    people = add_people(stack, 9)
    posted = await start_plan(stack, [CHEFS_TABLE], party=8)
    await wait_for_text(stack, posted, "for 1 on request (the venue confirms)")  # enquiry only
    await asyncio.gather(*(vote(stack, user, posted, 0) for user in people[:8]))
    await wait_for_counts(stack, posted, [8])
    await wait_for_text(stack, posted, "for 8 on request")
    await vote(stack, people[8], posted, 0)  # the ninth: online, the Chef's Table seats 8
    await wait_for_counts(stack, posted, [9])
    text = await wait_for_text(stack, posted, "is not free for 9")
    assert ":red_circle:" in text and "on request" not in text


async def test_a_burst_of_votes_asks_for_availability_once_per_option_per_update(
    stack: LocalStack,
) -> None:
    people = add_people(stack, 50)
    posted = await start_plan(stack, [DISHOOM, SHOREDITCH])
    await wait_for_text(stack, posted, "Free for 1 at")
    asked, updates = availability_asked(stack), message_updates(stack, posted)
    await asyncio.gather(*(vote(stack, user, posted, n % 2) for n, user in enumerate(people)))
    await wait_for_counts(stack, posted, [25, 25])
    await wait_for_text(stack, posted, "is not free for 25")  # online, 20 at most
    calls = availability_asked(stack) - asked
    assert 0 < calls <= 2 * (message_updates(stack, posted) - updates) and calls < len(people)


async def test_the_modal_shows_an_options_free_times_once_venue_and_date_are_chosen(
    stack: LocalStack,
) -> None:
    assert stack.driver is not None
    on = next_weekday(WEDNESDAY)
    await stack.driver.command("U_ALICE", "C_GENERAL", "plan")
    view = await stack.fake.wait_for(
        lambda: (v := stack.fake.current_view("U_ALICE")) and v["callback_id"] == ids.PLAN_CALLBACK
        and v,
        within=WAIT,
    )  # fmt: skip
    venue_block, date_block = ids.plan_option_block("venue", 0), ids.plan_option_block("date", 0)
    await stack.driver.suggest("U_ALICE", view["id"], ids.PLAN_VENUE_ACTION, venue_block,
                               DISHOOM[0])  # fmt: skip
    assert stack.driver.last_options is not None
    chosen = next(o for o in stack.driver.last_options["options"]
                  if o["text"]["text"].startswith(DISHOOM[1]))  # fmt: skip
    await stack.driver.choose_option(
        view["id"], venue_block, ids.PLAN_VENUE_ACTION, chosen["value"]
    )
    await stack.driver.select_date(view["id"], date_block, ids.PLAN_DATE_ACTION, on)

    def line() -> str | None:
        current = stack.fake.view(view["id"]) or {}
        blocks = {b.get("block_id"): b for b in current.get("blocks", [])}
        times = blocks.get(ids.plan_option_block("times", 0))
        text = times["elements"][0]["text"] if times else ""
        return text if human_date(on) in text else None

    shown = await stack.fake.wait_for(line, within=WAIT)
    expected = await free_times(stack, chosen["value"], on, 2)
    assert shown.startswith(f":large_green_circle: Free for 2 on {human_date(on)}: ")
    assert ", ".join(expected[:3]) in shown
    # The update kept what was chosen: the venue and the date are still there to submit.
    values = (stack.fake.view(view["id"]) or {})["state"]["values"]
    assert values[venue_block][ids.PLAN_VENUE_ACTION]["selected_option"]["value"] == chosen["value"]
    assert values[date_block][ids.PLAN_DATE_ACTION]["selected_date"] == on.isoformat()


async def test_a_spent_budget_says_checked_when_booking_and_counts_still_update(
    stack_with: Any,
) -> None:
    stack = stack_with(search_times_budget=0)
    posted = await start_plan(stack, [DISHOOM, SHOREDITCH])
    await wait_for_text(stack, posted, FALLBACK)
    await vote(stack, "U_BOB", posted, 1)
    await wait_for_counts(stack, posted, [0, 1])
    text = section_text(plan_message(stack, posted))
    assert text.count(FALLBACK) == 2 and "Free for" not in text


async def test_a_slow_bookable_does_not_hold_up_the_message(stack: LocalStack) -> None:
    posted = await start_plan(stack, [DISHOOM])
    await wait_for_text(stack, posted, "Free for 1 at")
    # Each availability call now takes longer than an update waits for one.
    stack.sandbox_control("knobs", {"latency_ms": 6000})
    for user in ("U_ALICE", "U_BOB", "U_CAROL"):  # a party of 3: not asked for before
        await vote(stack, user, posted, 0)
    await wait_for_counts(stack, posted, [3])
    assert FALLBACK in section_text(plan_message(stack, posted))
    # With no further vote, the message is built again a little later; the lookup that
    # timed out has finished into the cache by then.
    await wait_for_text(stack, posted, "Free for 3 at")
    assert FALLBACK not in section_text(plan_message(stack, posted))


async def test_plan_with_the_channel_shows_the_chosen_venues_times_at_once(
    stack: LocalStack,
) -> None:
    assert stack.driver is not None
    results = await search(stack, "U_ALICE", "C_GENERAL", "search dishoom covent")
    start = buttons(results, ids.PLAN_START_ACTION)[0]
    await stack.driver.click(
        "U_ALICE", results, start["action_id"], value=start["value"], channel_id="C_GENERAL"
    )

    def line() -> tuple[str, str] | None:
        view = stack.fake.current_view("U_ALICE")
        if not view or view["callback_id"] != ids.PLAN_CALLBACK:
            return None
        found = {b.get("block_id"): b for b in view["blocks"]}
        times = found.get(ids.plan_option_block("times", 0))
        day = found[ids.plan_option_block("date", 0)]["element"]["initial_date"]
        return (times["elements"][0]["text"], day) if times else None

    text, day = await stack.fake.wait_for(line, within=WAIT)
    assert f" for 2 on {human_date(dt.date.fromisoformat(day))}" in text  # free or not
