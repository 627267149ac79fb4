"""The whole story in a real browser: search, book (with a field error first), the venue
confirms, the booker changes the booking, the venue cancels, and the updates land in the
booking's thread."""

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

    # 6. Alice changes it: the Change modal is prefilled, a new party size reloads the
    # times, and saving edits the same message and notes the change in its thread
    booking.get_by_role("button", name="Change").click()
    change = page.get_by_role("dialog", name="Change booking")
    expect(change.get_by_label("Party size")).to_have_value("10")
    expect(change.get_by_label("Notes for the venue")).to_be_visible()
    change.get_by_label("Party size").fill("6")
    change.get_by_label("Party size").press("Enter")
    change_times = change.locator(".block.input", has_text="Time on")
    expect(change_times).to_contain_text("for 6")
    change_times.locator("select").select_option(index=1)
    change.get_by_role("button", name="Save changes").click()
    expect(change).to_contain_text("Booking changed")
    expect(change).to_contain_text("party 10 → 6")
    change.get_by_role("button", name="Done").click()
    expect(change).to_have_count(0)
    expect(booking).to_contain_text("party of 6")
    page.screenshot(path=artifacts / "playground-change.png")

    card.get_by_role("button", name="Cancel").click()
    expect(booking).to_contain_text("Cancelled")
    booking.locator(".reply-link").click()
    thread = page.locator("#thread .thread-pane")
    replies = thread.locator(".thread-messages > .message").filter(has_text="Status:")
    # the parent, then the venue's two status changes in order (the creation is the message
    # itself), with Alice's change noted between them
    expect(thread.locator(".thread-divider")).to_have_text("3 replies")
    expect(replies).to_have_count(3)
    expect(replies.nth(1)).to_contain_text("Pending → Confirmed")
    expect(replies.nth(2)).to_contain_text("Confirmed → Cancelled")
    note = thread.locator(".thread-messages > .message").filter(has_text="Changed by")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("party 10 → 6")
    expect(booking).to_contain_text("Status: ❌ Cancelled")
    page.screenshot(path=artifacts / "playground-thread.png")
    assert not errors, errors
    assert not outside, outside


def test_a_time_button_opens_the_modal_with_that_time(
    playground: Playground, browser: Any, artifacts: Path
) -> None:
    errors: list[str] = []
    outside: list[str] = []
    page = open_page(browser, playground.url, outside)
    page.on("pageerror", lambda error: errors.append(str(error)))
    expect(page.locator("#channel-title")).to_have_text("# general")

    # the results come at once, then fill in each venue's free times around 7pm in place
    page.fill(
        "#composer-input", f"/bookable search dishoom covent date:{next_wednesday()} time:7pm"
    )
    page.press("#composer-input", "Enter")
    venue = page.locator(".block.section", has_text="Dishoom Covent Garden").first
    expect(venue).to_be_visible()
    buttons = venue.locator("xpath=following-sibling::div[contains(@class,'actions')][1]")
    seven = buttons.get_by_role("button", name=re.compile(r"^19:00"))
    expect(seven).to_be_visible()
    expect(page.get_by_text("Finding free times")).to_have_count(0)
    page.screenshot(path=artifacts / "playground-search-times.png")

    # pressing 19:00 opens the booking modal with 19:00 already chosen
    seven.click()
    modal = page.get_by_role("dialog", name="Book a table")
    times = modal.locator(".block.input", has_text="Time on")
    expect(times).to_contain_text("for 2")
    expect(times.locator("select option:checked")).to_have_text("19:00")
    page.screenshot(path=artifacts / "playground-time-preselected.png")
    assert not errors, errors
    assert not outside, outside


def test_home_tab_and_shortcuts(playground: Playground, browser: Any, artifacts: Path) -> None:
    errors: list[str] = []
    outside: list[str] = []
    page = open_page(browser, playground.url, outside)
    page.on("pageerror", lambda error: errors.append(str(error)))
    expect(page.locator("#channel-title")).to_have_text("# general")

    # 1. the Home tab: app_home_opened, then the published view renders in the page
    page.click("#home-link")
    home = page.get_by_role("region", name="App Home")
    expect(home).to_contain_text("Nothing booked yet")

    # 2. Find a table -> the search modal; results inside it; Book pushes the booking modal
    home.get_by_role("button", name="Find a table").click()
    search = page.get_by_role("dialog", name="Find a table")
    expect(search).to_contain_text("direct messages")
    search.get_by_label("Venue or words").fill("dishoom covent")
    search.get_by_label("Date").fill(next_wednesday())
    search.get_by_role("button", name="Search", exact=True).click()
    result = search.locator(".block.section", has_text="Dishoom Covent Garden").first
    expect(result).to_be_visible()
    page.screenshot(path=artifacts / "playground-search-modal.png")
    picks = result.locator("xpath=following-sibling::div[contains(@class,'actions')][1]")
    picks.get_by_role("button").first.click()
    form = page.get_by_role("dialog", name="Book a table")
    expect(form.get_by_text(re.compile(r"^Time on Wed"))).to_be_visible()
    form.locator(".block.input", has_text="Time on").locator("select").select_option(index=1)
    form.get_by_label("Email").fill("alice@example.com")
    form.get_by_label("Phone").fill("+44 7700 900123")
    form.get_by_role("button", name="Book", exact=True).click()
    expect(form).to_contain_text("our direct messages")
    form.get_by_role("button", name="Done").click()
    expect(search).to_be_visible()  # the pushed view closed; the search is under it
    search.get_by_role("button", name="Close").first.click()
    expect(search).to_have_count(0)

    # 3. the booking is on the Home tab (republished after the confirmation), Cancel works
    booking = home.locator(".block.section", has_text="Dishoom Covent Garden")
    expect(booking).to_contain_text("Confirmed")
    expect(home.get_by_role("button", name="Change")).to_have_count(1)
    home.get_by_role("button", name="Cancel booking").click()
    page.locator(".confirm-dialog").get_by_role("button", name="Cancel booking").click()
    # (the tab says "Cancelled: …" until the venue's webhook republishes it)
    expect(home).to_contain_text("Past and closed · 1 booking")
    expect(home.get_by_role("button", name="Cancel booking")).to_have_count(0)
    page.screenshot(path=artifacts / "playground-home.png")
    dm = page.locator("#dms .channel-link", has_text="Bookable")
    dm.click()
    expect(page.locator("#messages .message", has_text="Dishoom Covent Garden")).to_contain_text(
        "Cancelled"
    )

    # 4. a message shortcut on a person's message: that conversation is the booking's home
    page.locator("#channels .channel-link", has_text="general").click()
    page.fill("#composer-input", "Lunch on Wednesday?")
    page.press("#composer-input", "Enter")
    message = page.locator("#messages .message", has_text="Lunch on Wednesday?")
    message.get_by_role("button", name="Book a table for this conversation").click()
    here = page.get_by_role("dialog", name="Find a table")
    expect(here).to_contain_text("Booking for #general")
    here.get_by_role("button", name="Close").first.click()

    # 5. the global shortcut opens the same search, confirmations by DM
    page.get_by_role("button", name="⚡ Book a table", exact=True).click()
    expect(page.get_by_role("dialog", name="Find a table")).to_contain_text("direct messages")
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
    expect(page.get_by_text("Finding free times")).to_have_count(0)  # times filled in
    buttons = venue.locator("xpath=following-sibling::div[contains(@class,'actions')][1]")
    buttons.get_by_role("button").first.click()  # its first free time
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
