"""The Block Kit / mrkdwn renderer in a real browser, on the fixtures page (no app needed):
hostile text stays text, Slack's formatting renders, and actions carry Slack's payload shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from bot.devtools.playground.server import STATIC
from bot.devtools.serving import BackgroundServer

WAIT_MS = 10_000


@pytest.fixture(scope="module")
def static_url() -> Iterator[str]:
    app = Starlette(routes=[Mount("/static", app=StaticFiles(directory=STATIC))])
    with BackgroundServer(app) as server:
        yield server.url + "/static/fixtures.html"


@pytest.fixture
def page(browser: Any, static_url: str) -> Iterator[Page]:
    opened: Page = browser.new_page(viewport={"width": 1100, "height": 900})
    opened.set_default_timeout(WAIT_MS)
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.on(
        "dialog", lambda dialog: (problems.append("alert: " + dialog.message), dialog.dismiss())
    )
    opened.goto(static_url + "?modal")
    expect(opened.locator("#messages .message")).to_have_count(2)
    yield opened
    assert not problems, problems  # no script error, and no injected alert() ever ran


def logged(page: Page) -> list[dict[str, Any]]:
    text = page.locator("#log").text_content() or ""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def close_modal(page: Page) -> None:
    page.locator(".modal").get_by_role("button", name="Cancel").click()
    expect(page.locator(".modal")).to_have_count(0)


def test_hostile_text_is_shown_as_text(page: Page) -> None:
    context = page.locator(".block.context").first
    expect(context).to_contain_text("<img src=x onerror=alert(2)>")
    expect(context.locator("b")).to_have_text("<b>not bold tag</b>")
    expect(context).to_contain_text("&amp;")  # "&amp;amp;" is a literal "&amp;"
    assert page.locator("#messages img, #messages script").count() == 0
    # a javascript: link is shown as its label, never as a link
    links = page.locator(".block.section").nth(1)
    expect(links).to_contain_text("click me")
    expect(links.locator("a")).to_have_count(1)
    safe = links.locator("a")
    expect(safe).to_have_text("safe_link")
    expect(safe).to_have_attribute("href", "https://ok.example/path_with_under_scores")
    expect(safe).to_have_attribute("rel", "noopener noreferrer")


def test_mrkdwn_formatting(page: Page) -> None:
    venue = page.locator(".block.section").first
    expect(venue.locator("a b, b a")).to_have_text("Dishoom Shoreditch")
    expect(venue.locator("i")).to_have_text("Indian")
    expect(venue.locator("s")).to_have_text("closed Mondays")
    expect(venue.locator("code")).to_have_text("7 Boundary St")
    mentions = page.locator(".block.section").nth(1).locator(".mention")
    expect(mentions).to_have_text(["@Alice", "#general", "@here"])
    expect(page.locator(".block.section").nth(1)).to_contain_text("snake_case_word 2*3*4")
    ephemeral = page.locator(".message.ephemeral")
    expect(ephemeral).to_contain_text("Only visible to you")
    expect(ephemeral).to_contain_text("✅ Booked")
    expect(ephemeral.locator("blockquote")).to_have_text("quoted line")
    expect(ephemeral.locator("pre")).to_have_text("code\nblock")


def test_actions_carry_slack_payloads(page: Page) -> None:
    close_modal(page)
    page.get_by_role("button", name="Book", exact=True).click()
    page.locator("select[data-action-id=sort]").select_option(label="Distance")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Share to channel").click()
    actions = [entry["action"] for entry in logged(page)]
    assert actions[0] == {
        "type": "button",
        "value": "venue-1",
        "text": {"type": "plain_text", "text": "Book"},
        "action_id": "book",
        "block_id": "venue-1-actions",
    }
    assert actions[1]["type"] == "static_select"
    assert actions[1]["selected_option"]["value"] == "distance"
    assert actions[2]["type"] == "overflow"
    assert actions[2]["selected_option"]["value"] == "share"
    assert actions[2]["block_id"] == "venue-1"


def test_confirm_dialog_guards_the_action(page: Page) -> None:
    close_modal(page)
    cancel = page.locator("button[data-action-id=cancel_booking]")
    cancel.click()
    dialog = page.locator(".confirm-dialog")
    expect(dialog).to_contain_text("This cancels Dishoom for 4.")
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_have_count(0)
    assert logged(page) == []
    cancel.click()
    dialog.get_by_role("button", name="Yes, cancel").click()
    assert [entry["action"]["action_id"] for entry in logged(page)] == ["cancel_booking"]


def test_modal_values_and_errors(page: Page, static_url: str) -> None:
    modal = page.locator(".modal")
    expect(modal.get_by_role("heading")).to_have_text("Book a table")
    modal.get_by_label("Email").fill("alice@example.com")
    modal.get_by_label("Time").select_option(label="18:30")
    modal.get_by_label("Bacon naan roll").check()
    modal.get_by_label("Venue").press_sequentially("dish")
    modal.get_by_text("Dishoom Covent Garden").click()
    modal.get_by_label("Extras").select_option(label="Balloons")
    modal.get_by_role("button", name="Remove Cake").click()
    modal.get_by_label("Set menus").focus()  # min_query_length 0: suggestions at once
    modal.get_by_role("option", name="Hawksmoor").click()
    expect(modal.locator(".chip")).to_have_text(["Balloons×", "Hawksmoor×"])
    modal.get_by_role("button", name="Book").click()
    values = logged(page)[-1]["values"]
    assert [o["value"] for o in values["extras"]["extras"]["selected_options"]] == ["balloons"]
    assert values["menus"]["menus"]["selected_options"][0]["value"] == "hawksmoor"
    assert values["date"]["date"] == {"type": "datepicker", "selected_date": "2026-12-24"}
    assert values["party"]["party"] == {"type": "number_input", "value": "2"}
    assert values["name"]["name"]["value"] == "Alice Smith"  # untouched: the initial value
    assert values["email"]["email"] == {"type": "email_text_input", "value": "alice@example.com"}
    assert values["time"]["time"]["selected_option"]["value"] == "18:30"
    assert values["notes"]["notes"] == {"type": "plain_text_input", "value": None}
    assert [o["value"] for o in values["preorders"]["preorders"]["selected_options"]] == ["naan"]
    assert values["venue"]["venue"]["selected_option"]["value"] == "dishoom-covent-garden"
    # dispatch_action on the date input: a change is sent as block_actions at once
    modal.get_by_label("Date").fill("2026-12-31")
    assert logged(page)[-1]["action"] == {
        "type": "datepicker",
        "selected_date": "2026-12-31",
        "action_id": "date",
        "block_id": "date",
    }
    page.goto(static_url + "?modal&errors")
    email = page.locator(".block.input", has=page.get_by_label("Email"))
    expect(email.locator(".field-error")).to_have_text(
        "Enter an email address like name@example.com"
    )
    expect(page.locator(".field-error")).to_have_count(1)
