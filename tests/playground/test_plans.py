"""The playground's team meal plan controls: simulated people vote on the newest plan (each
a signed click of their own), and the deadline is skipped to so the winner is booked."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.slack.test_plan_flow import DISHOOM, SHOREDITCH, counts, in_thread, start_plan

from .conftest import Playground, next_wednesday
from .test_browser import open_page


async def test_simulated_people_vote_and_the_deadline_books_the_winner(
    playground: Playground,
) -> None:
    stack = playground.stack
    async with httpx.AsyncClient(base_url=playground.url, timeout=30) as api:
        nothing = await api.post("/api/plans/simulate", json={"channel": "C_GENERAL"})
        assert nothing.status_code == 404 and "/bookable plan" in nothing.json()["error"]
        absurd = await api.post("/api/plans/simulate", json={"people": 10_000})
        assert absurd.status_code == 400

        deadline = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
        posted = await start_plan(stack, [DISHOOM, SHOREDITCH], deadline=deadline)
        voted = await api.post("/api/plans/simulate", json={"channel": "C_GENERAL", "people": 5})
        assert voted.json() == {"ok": True, "voted": 5}
        await stack.fake.wait_for(lambda: counts(stack, posted) == [3, 2], within=15)

        booked = (await api.post("/api/plans/deadline")).json()
        assert booked["outcomes"] == {"booked": 1}
    assert "for *3*" in await in_thread(stack, posted, "Booked")
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["partySize"] == 3


def test_a_plan_end_to_end_in_the_browser(
    playground: Playground, browser: Any, artifacts: Path
) -> None:
    errors: list[str] = []
    outside: list[str] = []
    page = open_page(browser, playground.url, outside)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.fill("#composer-input", "/bookable plan")
    page.press("#composer-input", "Enter")
    modal = page.get_by_role("dialog", name="Plan a team meal")
    expect(modal).to_be_visible()
    modal.get_by_label("Option 1: venue").press_sequentially("dishoom covent")
    modal.get_by_role("option", name=re.compile("^Dishoom Covent Garden · Dinner")).click()
    modal.get_by_label("Option 1: date").fill(next_wednesday())
    modal.get_by_label("Option 1: time").fill("19:00")
    modal.get_by_label("Your phone").fill("+44 7700 900123")
    modal.get_by_role("button", name="Post the plan").click()

    plan = page.locator("#messages .message:not(.ephemeral)", has_text="Team meal")
    expect(plan).to_contain_text("0 in")
    plan.get_by_role("button", name="I'm in").click()
    expect(plan).to_contain_text("1 in: @Alice")
    page.get_by_role("button", name="5 people vote on the plan").click()
    expect(page.locator("#console .plan-note")).to_contain_text("5 simulated people")
    expect(plan).to_contain_text("6 in: @Alice")
    page.screenshot(path=artifacts / "playground-plan.png")

    expect(plan.get_by_role("button", name="Book it")).to_have_count(0)
    # Book it is in the organiser control, an ephemeral only Alice (who planned it) sees.
    tools = page.locator("#messages .message.ephemeral", has_text="Organiser tools")
    expect(tools).to_contain_text("Only visible to you")
    tools.get_by_role("button", name="Book it").click()
    expect(plan).to_contain_text("Booked")
    expect(tools).to_contain_text("see the thread")
    expect(tools.get_by_role("button", name="Book it")).to_have_count(0)
    expect(page.locator("#console .booking-card", has_text="Alice Example")).to_contain_text(
        "6 people"
    )
    assert errors == [] and outside == []
