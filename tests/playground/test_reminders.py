"""The playground's reminder control: skip the app's clock to the next reminder and send it
(through its HTTP API, and in a real browser)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.slack.flow import book_through_slack, next_weekday

from .conftest import Playground
from .test_browser import open_page

WEDNESDAY = 2


async def _book(playground: Playground) -> None:
    await book_through_slack(
        playground.stack, "U_ALICE", "C_GENERAL",
        f"search dishoom covent date:{next_weekday(WEDNESDAY)}", "Dishoom Covent Garden",
    )  # fmt: skip
    stack = playground.stack
    result = stack.fake.current_view("U_ALICE")
    if result is not None and stack.driver is not None:  # the "booked" modal: closed
        await stack.driver.close("U_ALICE", result["id"])


def _reminders(playground: Playground) -> list[dict[str, Any]]:
    return [
        m for m in playground.stack.fake.messages("D_ALICE") if m["text"].startswith("Reminder")
    ]


async def test_next_reminder_sends_it_now(playground: Playground) -> None:
    async with httpx.AsyncClient(base_url=playground.url, timeout=30) as api:
        nothing = (await api.post("/api/reminders/next")).json()
        assert nothing["ok"] is True and nothing["outcomes"] == {}

        await _book(playground)
        sent = (await api.post("/api/reminders/next")).json()
        assert sent["outcomes"] == {"sent": 1}
        [reminder] = _reminders(playground)
        assert "Dishoom Covent Garden" in reminder["text"]

        again = (await api.post("/api/reminders/next")).json()
        assert again["outcomes"] == {}  # sent once


def test_the_console_button_sends_the_next_reminder(
    playground: Playground, browser: Any, artifacts: Path
) -> None:
    # Booked by the fake Slack driver in its own thread and loop (Playwright owns this one).
    booking = threading.Thread(target=lambda: asyncio.run(_book(playground)))
    booking.start()
    booking.join(timeout=60)
    errors: list[str] = []
    outside: list[str] = []
    page = open_page(browser, playground.url, outside)
    page.on("pageerror", lambda error: errors.append(str(error)))
    expect(page.locator(".booking-card")).to_have_count(1)

    page.get_by_role("button", name="Send the next reminder now").click()
    expect(page.locator(".reminder-note")).to_contain_text("Sent 1 reminder")
    page.screenshot(path=artifacts / "playground-reminder.png")
    assert len(_reminders(playground)) == 1
    assert errors == [] and outside == []
