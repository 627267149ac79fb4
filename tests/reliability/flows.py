"""What people do in Slack, driven through the fake Slack against the real app."""

from __future__ import annotations

from typing import Any

import httpx

from bot.devtools.fake_slack import SlackDriver
from bot.slack import ids

from .reliable_stack import ReliabilityStack

USER = "U_ALICE"
CHANNEL = "C_GENERAL"
QUERY = "search dishoom party:2"
VENUE = "Dishoom Covent Garden"
WAIT = 15.0  # generous: every step crosses HTTP several times on a busy 2-core machine
ACK_DEADLINE = 3.0  # Slack's


def driver_of(stack: ReliabilityStack) -> SlackDriver:
    assert stack.driver is not None, "start the stack first"
    return stack.driver


def acked_in_time(stack: ReliabilityStack, response: httpx.Response) -> None:
    """Slack shows its own error unless the app answers 200 within 3 s."""
    driver = driver_of(stack)
    assert response.status_code == 200, response.text
    assert driver.last_ack_seconds is not None and driver.last_ack_seconds < ACK_DEADLINE
    assert driver.last_problem is None, driver.last_problem


def texts_to(stack: ReliabilityStack, user: str = USER, channel: str = CHANNEL) -> list[str]:
    """Rendered text of every message in `channel` that `user` can see, oldest first."""
    found = []
    for message in stack.fake.messages(channel):
        if message.get("ephemeral_to") in (None, user):
            found.append(message_text(message))
    return found


def message_text(message: dict[str, Any]) -> str:
    parts = [str(message.get("text") or "")]
    for block in message.get("blocks") or []:
        parts += _block_strings(block)
    return "\n".join(part for part in parts if part)


def view_text(view: dict[str, Any]) -> str:
    return "\n".join(s for block in view.get("blocks") or [] for s in _block_strings(block))


def _block_strings(block: dict[str, Any]) -> list[str]:
    strings = []
    text = block.get("text")
    if isinstance(text, dict):
        strings.append(str(text.get("text", "")))
    for element in block.get("elements") or []:
        if isinstance(element, dict) and isinstance(element.get("text"), str):
            strings.append(element["text"])
    label = block.get("label")
    if isinstance(label, dict):
        strings.append(str(label.get("text", "")))
    return strings


async def wait_for_text(
    stack: ReliabilityStack, *needles: str, user: str = USER, channel: str = CHANNEL,
    after: int = 0, within: float = WAIT,
) -> str:  # fmt: skip
    """The first message (from index `after`) that mentions any of `needles`."""

    def found() -> str | None:
        for text in texts_to(stack, user, channel)[after:]:
            if any(needle in text for needle in needles):
                return text
        return None

    try:
        return await stack.fake.wait_for(found, within=within)
    except TimeoutError:
        seen = texts_to(stack, user, channel)[after:]
        raise AssertionError(f"no message mentioning {needles}; got {seen}") from None


def results_message(stack: ReliabilityStack, after: int = 0) -> dict[str, Any] | None:
    """The newest search results (a message with Book buttons) from index `after`."""
    messages = stack.fake.messages(CHANNEL)[after:]
    for message in reversed(messages):
        if book_buttons(message):
            return message
    return None


def book_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block.get("elements") or []
        if str(element.get("action_id", "")).startswith(ids.BOOK_ACTION)
    ]


async def search(stack: ReliabilityStack, text: str = QUERY) -> dict[str, Any]:
    """`/bookable <text>`, acked in time; returns the results message."""
    after = len(stack.fake.messages(CHANNEL))
    response = await driver_of(stack).command(USER, CHANNEL, text)
    acked_in_time(stack, response)
    return await stack.fake.wait_for(lambda: results_message(stack, after), within=WAIT)


async def open_form(stack: ReliabilityStack, results: dict[str, Any]) -> dict[str, Any]:
    """Click the first venue's last Book button; return the form once its times loaded."""
    blocks = results["blocks"]
    first_actions = next(b for b in blocks if b.get("type") == "actions")
    button = first_actions["elements"][-1]
    response = await driver_of(stack).click(
        USER, results, button["action_id"], value=button["value"]
    )
    acked_in_time(stack, response)
    return await wait_for_form(stack)


async def wait_for_form(stack: ReliabilityStack, *, other_than: str | None = None) -> dict:
    def ready() -> dict[str, Any] | None:
        view = stack.fake.current_view(USER)
        if view is None or view["callback_id"] != ids.BOOKING_CALLBACK:
            return None
        loaded = any(b.get("block_id") == ids.DATE.block_id for b in view["blocks"])
        return view if loaded and view["hash"] != other_than else None

    return await stack.fake.wait_for(ready, within=WAIT)


def slot_values(view: dict[str, Any]) -> list[str]:
    for block in view["blocks"]:
        if block.get("block_id") == ids.SLOT.block_id:
            return [option["value"] for option in block["element"].get("options") or []]
    return []


async def fill_form(stack: ReliabilityStack, view: dict[str, Any], slot: int = 0) -> None:
    driver = driver_of(stack)
    slots = slot_values(view)
    assert slots, f"no times offered: {view_text(view)}"
    await driver.choose_option(view["id"], ids.SLOT.block_id, ids.SLOT.action_id, slots[slot])
    await driver.type_value(view["id"], ids.PHONE.block_id, ids.PHONE.action_id, "+447700900123")


async def submit(stack: ReliabilityStack, view: dict[str, Any]) -> httpx.Response:
    response = await driver_of(stack).submit(USER, view["id"])
    acked_in_time(stack, response)
    assert not driver_of(stack).last_errors, driver_of(stack).last_errors
    return response


async def wait_for_outcome(stack: ReliabilityStack, view_id: str) -> dict[str, Any]:
    """The modal once it no longer says "Booking your table…": a result, a message, or the
    form again with a notice."""

    def settled() -> dict[str, Any] | None:
        view = stack.fake.view(view_id)
        if view is None:
            return None
        text = view_text(view)
        if ":hourglass:" in text:
            return None
        return view

    return await stack.fake.wait_for(settled, within=WAIT)


async def book(stack: ReliabilityStack, text: str = QUERY) -> dict[str, Any]:
    """Search, open the form, fill it and submit; returns the modal's outcome."""
    form = await open_form(stack, await search(stack, text))
    await fill_form(stack, form)
    await submit(stack, form)
    return await wait_for_outcome(stack, form["id"])


def sandbox_bookings(stack: ReliabilityStack) -> list[dict[str, Any]]:
    return list(stack.sandbox_state()["bookings"])


def confirmations(stack: ReliabilityStack, channel: str = CHANNEL) -> list[dict[str, Any]]:
    """Booking confirmation messages posted (not ephemeral) in `channel`."""
    return [
        message
        for message in stack.fake.messages(channel)
        if not message.get("ephemeral_to") and str(message.get("text", "")).startswith("Booking at")
    ]


def knobs(stack: ReliabilityStack, **values: Any) -> None:
    stack.sandbox_control("knobs", values)
