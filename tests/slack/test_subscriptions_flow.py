"""`/bookable subscribe|unsubscribe|subscriptions` over signed HTTP, against the sandbox and
the fake Slack: venue checks, announcements in the channel, Unsubscribe buttons."""

from __future__ import annotations

from typing import Any

from bot.devtools.fake_slack import BOT_USER_ID, Channel
from bot.devtools.stack import LocalStack
from bot.slack import ids

from .flow import WAIT, book_through_slack, buttons, next_weekday, section_text


def _announcements(stack: LocalStack, channel: str) -> list[str]:
    return [
        m["text"]
        for m in stack.fake.messages(channel)
        if not m.get("ephemeral_to") and "this channel" in m["text"] and "<@" in m["text"]
    ]


async def _answer(stack: LocalStack, user: str, channel: str, fragment: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        for message in reversed(stack.fake.messages(channel)):
            if message.get("ephemeral_to") == user and fragment in section_text(message):
                return message
        return None

    return await stack.fake.wait_for(found, within=WAIT)


async def _run(stack: LocalStack, user: str, channel: str, text: str) -> dict[str, Any]:
    """`/bookable <text>`; its answer (a message that was not there before)."""
    before = {m["ts"] for m in stack.fake.messages(channel)}
    await stack.driver.command(user, channel, text)

    def found() -> dict[str, Any] | None:
        fresh = [
            m for m in stack.fake.messages(channel)
            if m["ts"] not in before and m.get("ephemeral_to") == user
        ]  # fmt: skip
        return fresh[-1] if fresh else None

    return await stack.fake.wait_for(found, within=WAIT)


async def test_a_venue_matching_nothing_is_refused_in_one_line(stack: LocalStack) -> None:
    await stack.driver.command("U_ALICE", "C_GENERAL", "subscribe venue:zzqx")
    refusal = await _answer(stack, "U_ALICE", "C_GENERAL", "No venue's name contains")
    assert "`/bookable search zzqx`" in section_text(refusal)
    await stack.driver.command("U_ALICE", "C_GENERAL", "subscriptions")
    await _answer(stack, "U_ALICE", "C_GENERAL", "no booking-update subscriptions")
    assert _announcements(stack, "C_GENERAL") == []


async def test_subscribing_names_the_matches_and_is_announced(stack: LocalStack) -> None:
    await stack.driver.command("U_ALICE", "C_GENERAL", "subscribe venue:hawksmoor")
    answer = section_text(await _answer(stack, "U_ALICE", "C_GENERAL", "now gets booking"))
    assert "Matching venues:" in answer and "*Hawksmoor Seven Dials*" in answer
    [announced] = _announcements(stack, "C_GENERAL")
    assert "<@U_ALICE> subscribed this channel" in announced and "hawksmoor" in announced

    # The same subscription again: said so, not announced twice.
    await stack.driver.command("U_ALICE", "C_GENERAL", "subscribe venue:HAWKSMOOR")
    await _answer(stack, "U_ALICE", "C_GENERAL", "already gets booking updates")
    assert len(_announcements(stack, "C_GENERAL")) == 1

    await stack.driver.command("U_BOB", "C_GENERAL", "unsubscribe venue:hawksmoor")
    await _answer(stack, "U_BOB", "C_GENERAL", "Removed 1 subscription")
    assert "<@U_BOB> unsubscribed this channel" in _announcements(stack, "C_GENERAL")[-1]


async def test_unsubscribe_buttons_remove_once_under_double_clicks(stack: LocalStack) -> None:
    driver = stack.driver
    await driver.command("U_ALICE", "C_GENERAL", "subscribe venue:dishoom")
    await _answer(stack, "U_ALICE", "C_GENERAL", "now gets booking")
    await driver.command("U_ALICE", "C_GENERAL", "subscribe status:declined")
    await _answer(stack, "U_ALICE", "C_GENERAL", "status *declined*")
    listed = await _run(stack, "U_BOB", "C_GENERAL", "subscriptions")
    first, second = buttons(listed, ids.UNSUBSCRIBE_ACTION)
    assert first["text"]["text"] == "Unsubscribe" and first["value"] != second["value"]

    for _ in range(2):  # a double click
        response = await driver.click(
            "U_BOB", listed, first["action_id"], value=first["value"], channel_id="C_GENERAL"
        )
        assert response.status_code == 200
    await _answer(stack, "U_BOB", "C_GENERAL", "already removed")  # the second click's answer
    unsubscribed = [a for a in _announcements(stack, "C_GENERAL") if "unsubscribed" in a]
    assert len(unsubscribed) == 1 and "<@U_BOB>" in unsubscribed[0]
    assert "dishoom" in unsubscribed[0]
    relisted = await _run(stack, "U_BOB", "C_GENERAL", "subscriptions")
    assert "dishoom" not in section_text(relisted) and "declined" in section_text(relisted)

    # A forged id (another channel's subscription) removes nothing there.
    stack.fake.add_channel(Channel("C_OPS", "ops", [BOT_USER_ID, "U_ALICE"]))
    await driver.command("U_ALICE", "C_OPS", "subscribe")
    await _answer(stack, "U_ALICE", "C_OPS", "now gets booking")
    [ops] = buttons(await _run(stack, "U_ALICE", "C_OPS", "subscriptions"), ids.UNSUBSCRIBE_ACTION)
    [remaining] = buttons(relisted, ids.UNSUBSCRIBE_ACTION)
    response = await driver.click(
        "U_BOB", relisted, remaining["action_id"], value=ops["value"], channel_id="C_GENERAL"
    )
    assert response.status_code == 200

    def refused() -> bool:
        shown = stack.fake.message("C_GENERAL", relisted["ts"])
        return shown is not None and "already removed" in section_text(shown)

    await stack.fake.wait_for(refused, within=WAIT)
    await driver.command("U_ALICE", "C_OPS", "unsubscribe")
    await _answer(stack, "U_ALICE", "C_OPS", "Removed 1 subscription")  # it was still there


async def test_a_booking_made_here_is_noticed_in_other_subscribed_channels_only(
    stack: LocalStack,
) -> None:
    stack.fake.add_channel(Channel("C_OPS", "ops", [BOT_USER_ID, "U_ALICE"]))
    for channel in ("C_OPS", "C_GENERAL"):
        await _run(stack, "U_ALICE", channel, "subscribe venue:dishoom")
    venue = "Dishoom Covent Garden"
    confirmation = await book_through_slack(
        stack, "U_ALICE", "C_GENERAL", f"search dishoom party:2 date:{next_weekday(2)}", venue
    )
    [booking] = stack.sandbox_state()["bookings"]

    def notices(channel: str) -> list[str]:
        return [
            section_text(m) for m in stack.fake.messages(channel)
            if not m.get("ephemeral_to") and m["text"].startswith(f"Booking at {venue}: ")
        ]  # fmt: skip

    await stack.fake.wait_for(lambda: len(notices("C_OPS")) == 1, within=WAIT)
    assert "Confirmed" in notices("C_OPS")[0]
    # The venue cancels: the booking's own thread gets it, C_OPS gets a second notice. That
    # second notice is the sentinel: by then C_GENERAL's notices, if any, were posted too.
    stack.sandbox_control(f"bookings/{booking['id']}/status", {"status": "cancelled"})
    await stack.fake.wait_for(lambda: len(notices("C_OPS")) == 2, within=WAIT)
    assert "Cancelled" in notices("C_OPS")[1]
    await stack.fake.wait_for(
        lambda: len(stack.fake.thread("C_GENERAL", confirmation["ts"])) == 1, within=WAIT
    )
    assert notices("C_GENERAL") == []
