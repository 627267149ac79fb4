"""Driving the real app through the fake Slack, as a person would in Slack."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from bot.config import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET
from bot.devtools.stack import LocalStack
from bot.slack import ids
from bot.slack.blocks.search import TIMES_LOADING_BLOCK

WAIT = 15.0  # generous: every step crosses HTTP a few times on a busy 2-core machine


def next_weekday(weekday: int, *, after: date | None = None) -> date:
    """The next `weekday` (0 = Monday) at least two days away (no time-zone edge)."""
    start = (after or date.today()) + timedelta(days=2)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def buttons(message: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    found = []
    for block in message.get("blocks") or []:
        elements = block.get("elements") if block["type"] == "actions" else [block.get("accessory")]
        found += [e for e in elements or [] if e and e.get("action_id", "").startswith(prefix)]
    return found


def section_text(message: dict[str, Any]) -> str:
    parts = []
    for block in message.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text.get("text", ""))
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("type") == "mrkdwn":
                parts.append(element.get("text", ""))
    return "\n".join(parts) or message.get("text", "")


def times_loading(message: dict[str, Any]) -> bool:
    """Results whose free times are still being looked up (replaced in place once found)."""
    return any(b.get("block_id") == TIMES_LOADING_BLOCK for b in message.get("blocks") or [])


async def search(
    stack: LocalStack, user: str, channel: str, text: str, *, filled: bool = True
) -> dict[str, Any]:
    """Run `/bookable <text>`; return the results message once it arrives (with `filled`,
    once its free times have filled in)."""
    assert stack.driver is not None
    before = {m["ts"] for m in stack.fake.messages(channel)}
    response = await stack.driver.command(user, channel, text)
    assert response.status_code == 200, response.text

    def arrived() -> dict[str, Any] | None:
        fresh = [
            m for m in stack.fake.messages(channel)
            if m["ts"] not in before and m.get("ephemeral_to") == user
            and not m["text"].startswith("Searching") and not (filled and times_loading(m))
        ]  # fmt: skip
        return fresh[-1] if fresh else None

    return await stack.fake.wait_for(arrived, within=WAIT)


def venue_buttons(results: dict[str, Any], venue: str) -> list[dict[str, Any]]:
    """Book buttons (times included) of the section whose text names `venue`: those in
    the blocks after it, up to the next divider."""
    blocks = results["blocks"]
    for index, block in enumerate(blocks):
        if block["type"] == "section" and f"*{venue}*" in block["text"]["text"]:
            after = blocks[index + 1 :]
            end = next((i for i, b in enumerate(after) if b["type"] == "divider"), len(after))
            return buttons({"blocks": after[:end]}, ids.BOOK_ACTION)
    raise AssertionError(f"{venue} not in the results: {section_text(results)}")


async def open_form(
    stack: LocalStack, user: str, channel: str, results: dict[str, Any], venue: str,
    product: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Click Book on `venue` (the button naming `product`, else the first); return the form
    once it has replaced the loading view."""
    assert stack.driver is not None
    choices = venue_buttons(results, venue)
    button = next(b for b in choices if product is None or product in b["text"]["text"])
    response = await stack.driver.click(
        user, results, button["action_id"], value=button["value"], channel_id=channel
    )
    assert response.status_code == 200
    return await wait_for_form(stack, user)


async def wait_for_form(stack: LocalStack, user: str, *, other_than: str | None = None) -> dict:
    def ready() -> dict[str, Any] | None:
        view = stack.fake.current_view(user)
        if view is None or view["callback_id"] != ids.BOOKING_CALLBACK:
            return None
        has_date = any(b.get("block_id") == ids.DATE.block_id for b in view["blocks"])
        return view if has_date and view["hash"] != other_than else None

    return await stack.fake.wait_for(ready, within=WAIT)


def block(view: dict[str, Any], block_id: str) -> dict[str, Any] | None:
    return next((b for b in view["blocks"] if b.get("block_id") == block_id), None)


def slot_options(view: dict[str, Any]) -> list[dict[str, Any]]:
    found = block(view, ids.SLOT.block_id)
    return found["element"]["options"] if found else []


async def fill(
    stack: LocalStack, view: dict[str, Any], *, slot: str | None = None,
    phone: str = "+447700900123", **typed: str,
) -> None:  # fmt: skip
    """Pick a slot (its label, default the first) and type the phone and other fields."""
    assert stack.driver is not None
    options = slot_options(view)
    if options:
        chosen = next(o for o in options if slot is None or o["text"]["text"] == slot)
        await stack.driver.choose_option(view["id"], ids.SLOT.block_id, ids.SLOT.action_id,
                                         chosen["value"])  # fmt: skip
    await stack.driver.type_value(view["id"], ids.PHONE.block_id, ids.PHONE.action_id, phone)
    fields = {"email": ids.EMAIL, "first_name": ids.FIRST_NAME, "notes": ids.NOTES}
    for name, value in typed.items():
        field = fields[name]
        await stack.driver.type_value(view["id"], field.block_id, field.action_id, value)


async def wait_for_result(stack: LocalStack, user: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        view = stack.fake.current_view(user)
        return view if view and view["callback_id"] == ids.RESULT_CALLBACK else None

    return await stack.fake.wait_for(done, within=WAIT)


async def book_through_slack(
    stack: LocalStack, user: str, channel: str, query: str, venue: str, **choices: Any
) -> dict[str, Any]:
    """Search, open the form, fill it, submit; return the confirmation message."""
    assert stack.driver is not None
    results = await search(stack, user, channel, query)
    form = await open_form(stack, user, channel, results, venue, choices.pop("product", None))
    await fill(stack, form, **choices)
    await stack.driver.submit(user, form["id"])
    assert stack.driver.last_problem is None and not stack.driver.last_errors
    await wait_for_result(stack, user)
    return await confirmation(stack, user, channel)


async def confirmation(stack: LocalStack, user: str, channel: str) -> dict[str, Any]:
    def posted() -> dict[str, Any] | None:
        found = [
            m for m in stack.fake.messages(channel)
            if not m.get("ephemeral_to") and m["text"].startswith("Booking at")
        ]  # fmt: skip
        return found[-1] if found else None

    return await stack.fake.wait_for(posted, within=WAIT)


def book_directly(stack: LocalStack, composite_id: str, on: date, time: str, party: int,
                  slot_type: str = "book") -> httpx.Response:  # fmt: skip
    """Another Bookable partner books a table (to make a slot disappear)."""
    token = sandbox_token(stack)
    return httpx.post(
        f"{stack.sandbox_url}/venues/{quote(composite_id, safe='')}/booking",
        headers={"Authorization": f"Bearer {token}"},
        json={"firstName": "Other", "lastName": "Partner", "email": "o@example.com",
              "phone": "+447700900999", "partySize": party, "date": on.isoformat(),
              "time": time, "type": slot_type},
        timeout=10,
    )  # fmt: skip


def sandbox_token(stack: LocalStack) -> str:
    """A Bookable token for the stack's embedded sandbox (as another partner)."""
    return str(
        httpx.post(
            f"{stack.sandbox_url}/oauth/token",
            json={"grant_type": "client_credentials", "client_id": LOCAL_CLIENT_ID,
                  "client_secret": LOCAL_CLIENT_SECRET, "audience": "api.bookabletech.com"},
            timeout=10,
        ).json()["access_token"]
    )  # fmt: skip


async def settled(stack: LocalStack) -> None:
    """Every webhook the sandbox owes is delivered and the outbox has no work left."""
    async with httpx.AsyncClient(timeout=WAIT + 5) as client:
        await client.post(f"{stack.sandbox_url}/_control/deliveries/wait", params={"timeout": WAIT})
        for _ in range(int(WAIT / 0.05)):
            outbox = (await client.get(f"{stack.app_url}/healthz")).json()["outbox"]
            if outbox["pending"] == outbox["leased"] == 0:
                return
            await asyncio.sleep(0.05)
    raise AssertionError(f"outbox still busy: {outbox}")
