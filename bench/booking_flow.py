"""A real booking made through the app, as a person would in Slack (runs in the fake Slack
runner, where the `SlackDriver` can see the fake's state): search, Book, pick the first
time, type a phone number, submit, and wait for the confirmation in the channel.

The webhook → Slack scenario needs bookings the app knows, so a status webhook becomes a
thread reply plus a `chat.update` of this confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.slack_requests import find_buttons
from bot.devtools.fake_slack import FakeSlack, SlackDriver
from bot.slack import ids

WAIT = 30.0
PHONE = "+447700900123"


async def book_through_slack(
    fake: FakeSlack, driver: SlackDriver, *, user: str, channel: str, query: str
) -> dict[str, Any]:
    """Returns {"booking_id", "channel", "ts"} of the confirmation message."""
    before = {m["ts"] for m in fake.messages(channel)}
    answer = await driver.command(user, channel, query)
    if answer.status_code != 200:
        raise RuntimeError(f"search answered HTTP {answer.status_code}")

    def results() -> dict[str, Any] | None:
        fresh = [
            m
            for m in fake.messages(channel)
            if m["ts"] not in before and m.get("ephemeral_to") == user and _book_buttons(m)
        ]
        return fresh[-1] if fresh else None

    found = await _wait(fake, results, "search results")
    view = await _form_with_times(fake, driver, user, channel, found)
    first_time = _slot_options(view)[0]["value"]
    await driver.choose_option(view["id"], ids.SLOT.block_id, ids.SLOT.action_id, first_time)
    await driver.type_value(view["id"], ids.PHONE.block_id, ids.PHONE.action_id, PHONE)
    await driver.submit(user, view["id"])
    if driver.last_problem or driver.last_errors:
        raise RuntimeError(f"booking refused: {driver.last_problem or driver.last_errors}")

    def confirmation() -> dict[str, Any] | None:
        posted = [
            m
            for m in fake.messages(channel)
            if m["ts"] not in before and not m.get("ephemeral_to") and _cancel_buttons(m)
        ]
        return posted[-1] if posted else None

    try:
        message = await _wait(fake, confirmation, "the confirmation message")
    except TimeoutError as error:
        raise TimeoutError(f"{error}; the modal shows: {_texts(fake.current_view(user))}") from None
    return {
        "booking_id": _cancel_buttons(message)[0]["value"],
        "channel": channel,
        "ts": message["ts"],
    }


async def _form_with_times(
    fake: FakeSlack, driver: SlackDriver, user: str, channel: str, results: dict[str, Any]
) -> dict[str, Any]:
    """Click the Book buttons in turn until a form offers times (a product may not be
    offered on that weekday); close each form that does not."""
    shown = ""
    for button in _book_buttons(results):
        await driver.click(
            user, results, button["action_id"], value=button["value"], channel_id=channel
        )

        def loaded() -> dict[str, Any] | None:
            view = fake.current_view(user)
            if view is None or view["callback_id"] != ids.BOOKING_CALLBACK:
                return None
            has_date = any(b.get("block_id") == ids.DATE.block_id for b in view["blocks"])
            return view if has_date else None

        view = await _wait(fake, loaded, "the booking form")
        if _slot_options(view):
            return view
        shown = _texts(view)
        await driver.close(user, view["id"])
    raise RuntimeError(f"no product in the results offers times; the last form showed: {shown}")


async def _wait(
    fake: FakeSlack, found: Callable[[], dict[str, Any] | None], what: str
) -> dict[str, Any]:
    try:
        return await fake.wait_for(found, within=WAIT)
    except TimeoutError:
        raise TimeoutError(f"no {what} within {WAIT:g} s") from None


def _texts(view: dict[str, Any] | None) -> str:
    texts = [str((b.get("text") or {}).get("text", "")) for b in (view or {}).get("blocks") or []]
    return " | ".join(text for text in texts if text)[:200]


def _book_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return find_buttons(message, ids.BOOK_ACTION)


def _cancel_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return find_buttons(message, ids.CANCEL_ACTION)


def _slot_options(view: dict[str, Any]) -> list[dict[str, Any]]:
    for block in view.get("blocks") or []:
        if block.get("block_id") == ids.SLOT.block_id:
            return list((block.get("element") or {}).get("options") or [])
    return []
