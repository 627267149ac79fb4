"""The whole story in a real browser: search, book (with a field error first), then the venue
confirms and cancels, and the status updates land in the booking's thread."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import Page, Route, expect

from .conftest import Playground, next_wednesday

WAIT_MS = 15_000  # generous: the 2-core machine runs other suites too
LOOPBACK = {"127.0.0.1", "localhost"}


def open_page(browser: Any, url: str, outside: list[str]) -> Page:
    page: Page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)

    def guard(route: Route) -> None:
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith("data:") or host in LOOPBACK:
            route.continue_()
        else:  # the playground must never reach beyond this machine
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(url)
    return page


def test_search_book_confirm_cancel(playground: Playground, browser: Any, artifacts: Path) -> None:
    errors: list[str] = []
    outside: list[str] = []
    page = open_page(browser, playground.url, outside)
    page.on("pageerror", lambda error: errors.append(str(error)))
    expect(page.locator("#channel-title")).to_have_text("# general")

    # 1. the slash command goes through the fake Slack to the app
    page.fill("#composer-input", "/bookable search dishoom")
    page.press("#composer-input", "Enter")
    venue = page.locator(".block.section", has_text="Dishoom Shoreditch").first
    expect(venue).to_be_visible()
    page.screenshot(path=artifacts / "playground-search.png")

    # 2. Book -> a modal with a date picker, party size, time slots and guest details
    buttons = venue.locator("xpath=following-sibling::div[contains(@class,'actions')][1]")
    buttons.get_by_role("button", name="Book Dinner").click()
    modal = page.get_by_role("dialog", name="Book a table")
    expect(modal).to_be_visible()
    # the date input dispatches block_actions: the app reloads that day's times
    modal.get_by_label("Date").fill(next_wednesday())
    expect(modal.get_by_text(re.compile(r"^Time on Wed"))).to_be_visible()
    # above 8 people the venue must confirm by hand (dispatch_action: Enter reloads the times)
    modal.get_by_label("Party size").fill("10")
    modal.get_by_label("Party size").press("Enter")
    times = modal.locator(".block.input", has_text="Time on")
    expect(times).to_contain_text("for 10")
    print(times.locator("option").all_inner_texts())
    times.locator("select").select_option(index=1)
    modal.get_by_label("Email").fill("alice@example")  # the app rejects this
    modal.get_by_label("Phone").fill("+44 7700 900123")
    # every time for 10 is an enquiry: the button says so, never "Book"
    modal.get_by_role("button", name="Send enquiry", exact=True).click()
    email_error = modal.locator(".block.input", has=page.get_by_label("Email")).locator(
        ".field-error"
    )
    expect(email_error).to_contain_text("valid email")
    page.screenshot(path=artifacts / "playground-field-error.png")

    # 3. fix it (the stale error goes at once) and submit: the modal shows the result, the
    #    channel gets the booking message
    modal.get_by_label("Email").fill("alice@example.com")
    expect(email_error).to_have_count(0)
    page.screenshot(path=artifacts / "playground-mid-booking.png")
    modal.get_by_role("button", name="Send enquiry", exact=True).click()
    expect(email_error).to_have_count(0)
    expect(modal).to_contain_text("Enquiry sent")
    modal.get_by_role("button", name="Done").click()
    expect(modal).to_have_count(0)
    booking = page.locator("#messages .message", has_text="Dishoom Shoreditch — Dinner")
    expect(booking).to_contain_text("party of 10")

    # 4. Carol may not cancel Alice's booking: the refusal is only visible to Carol
    page.select_option("#user-switcher", "U_CAROL")
    booking.get_by_role("button", name="Cancel booking").click()
    dialog = page.locator(".confirm-dialog")  # Block Kit confirm object on the button
    expect(dialog).to_contain_text("Cancel this booking?")
    dialog.get_by_role("button", name="Cancel booking").click()
    refusal = page.locator("#messages .message.ephemeral", has_text="can cancel it")
    expect(refusal).to_contain_text("Only visible to you")
    expect(refusal).to_contain_text("@Alice")
    page.select_option("#user-switcher", "U_ALICE")
    expect(page.locator("#messages .message", has_text="can cancel it")).to_have_count(0)

    # 5. the venue confirms, then cancels: real signed webhooks, replies land in the thread
    card = page.locator("#console .booking-card", has_text="Alice Example")
    expect(card).to_have_attribute("data-status", "pending")
    card.get_by_role("button", name="Confirm").click()
    expect(booking).to_contain_text("Confirmed")
    expect(card).to_have_attribute("data-status", "confirmed")
    card.get_by_role("button", name="Cancel").click()
    expect(booking).to_contain_text("Cancelled")
    booking.locator(".reply-link").click()
    thread = page.locator("#thread .thread-pane")
    replies = thread.locator(".thread-messages > .message").filter(has_text="Status:")
    # the parent, then the venue's two changes in order (the creation is the message itself)
    expect(thread.locator(".thread-divider")).to_have_text("2 replies")
    expect(replies).to_have_count(3)
    expect(replies.nth(1)).to_contain_text("Pending → Confirmed")
    expect(replies.nth(2)).to_contain_text("Confirmed → Cancelled")
    expect(booking).to_contain_text("Status: ❌ Cancelled")
    page.screenshot(path=artifacts / "playground-thread.png")
    assert not errors, errors
    assert not outside, outside


def test_a_no_show_disables_the_console_and_the_layout_fits_800_px(
    playground: Playground, browser: Any, artifacts: Path
) -> None:
    outside: list[str] = []
    page = open_page(browser, playground.url, outside)
    page.set_viewport_size({"width": 800, "height": 700})
    page.fill("#composer-input", f"/bookable search dishoom shoreditch date:{next_wednesday()}")
    page.press("#composer-input", "Enter")
    venue = page.locator(".block.section", has_text="Dishoom Shoreditch").first
    expect(venue).to_be_visible()
    buttons = venue.locator("xpath=following-sibling::div[contains(@class,'actions')][1]")
    buttons.get_by_role("button", name="Book Dinner").click()
    modal = page.get_by_role("dialog", name="Book a table")
    modal.locator(".block.input", has_text="Time on").locator("select").select_option(index=0)
    modal.get_by_label("Phone").fill("+447700900123")
    modal.get_by_role("button", name="Book", exact=True).click()
    modal.get_by_role("button", name="Done").click()

    # Nothing wider than the window; the channel keeps a usable width.
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth,"
        " document.querySelector('main.channel').getBoundingClientRect().width]"
    )
    assert widths[0] <= 800 and widths[1] >= 500, widths
    card = page.locator("#console .booking-card", has_text="Alice Example")
    card.scroll_into_view_if_needed()
    card.get_by_role("button", name="No-show").click()
    expect(card).to_have_attribute("data-status", "lost")  # the Bookings API's word
    for name in ("Confirm", "Decline", "Cancel", "No-show"):
        expect(card.get_by_role("button", name=name, exact=True)).to_be_disabled()
    look = card.get_by_role("button", name="Cancel", exact=True).evaluate(
        "b => [getComputedStyle(b).cursor, getComputedStyle(b).color]"
    )
    assert look[0] == "not-allowed" and look[1] == "rgb(154, 154, 154)", look
    page.screenshot(path=artifacts / "playground-800px.png")
    assert not outside, outside
