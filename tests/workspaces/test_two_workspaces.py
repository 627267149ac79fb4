"""Two workspaces on one app (OAuth mode), over signed HTTP against the fake Slack, which
records the token of every call: each workspace's commands, modals and notifications use
its own token, its data stays its own, and an uninstall stops its posts."""

from __future__ import annotations

import time

from bot.devtools.stack import LocalStack
from bot.slack import ids
from bot.store import Store
from tests.slack.flow import WAIT, buttons, section_text

from .conftest import ALPHA, BETA
from .support import BOOKER, CHANNEL, book_in, booking_id_of, install_both, thread_reply, venue_sets

WORKSPACE_CALLS = ("auth.test", "views.open", "views.update", "chat.postMessage")


async def test_each_workspace_is_served_and_notified_with_its_own_token(
    oauth_stack: LocalStack,
) -> None:
    tokens = install_both(oauth_stack)
    confirmations = {team: await book_in(oauth_stack, team) for team in (ALPHA, BETA)}

    for team in (ALPHA, BETA):  # a status change from the venue, to each workspace
        venue_sets(oauth_stack, booking_id_of(confirmations[team]), "cancelled")
    for team in (ALPHA, BETA):
        reply = await thread_reply(oauth_stack, CHANNEL[team], confirmations[team]["ts"])
        assert "Cancelled" in section_text(reply)

    calls = [c for c in oauth_stack.fake.calls if c.method in WORKSPACE_CALLS]
    for team in (ALPHA, BETA):
        mine = [c for c in calls if c.team_id == team]
        assert {c.method for c in mine} == set(WORKSPACE_CALLS), team
        assert all(c.token == tokens[team] for c in mine)
    posts = [c for c in calls if c.method == "chat.postMessage"]
    assert posts and all(c.team_id == {v: k for k, v in CHANNEL.items()}[c.args["channel"]]
                         for c in posts)  # fmt: skip
    assert all(c.team_id in (ALPHA, BETA) for c in calls)  # never the seed token, never none


async def test_a_forged_button_from_another_workspace_is_refused(oauth_stack: LocalStack) -> None:
    install_both(oauth_stack)
    alphas = await book_in(oauth_stack, ALPHA)
    booking_id = booking_id_of(alphas)

    # BETA's admin clicks a Cancel carrying ALPHA's booking id (the same user ids exist in
    # both workspaces here: only the signed team may decide).
    beta = oauth_stack.driver_for(BETA)
    [cancel] = buttons(alphas, ids.CANCEL_ACTION)
    response = await beta.click("U_BOB", alphas, cancel["action_id"], value=booking_id,
                                channel_id="C_GENERAL")  # fmt: skip
    assert response.status_code == 200
    await oauth_stack.fake.wait_for(
        lambda: any(m.get("ephemeral_to") == "U_BOB" and "don't know this booking" in m["text"]
                    for m in oauth_stack.fake.messages("C_GENERAL")),
        within=WAIT,
    )  # fmt: skip
    [booked] = oauth_stack.sandbox_state()["bookings"]
    assert booked["status"] != "Cancelled"

    # The same user id in BETA sees none of ALPHA's bookings.
    await beta.command(BOOKER[ALPHA], "C_BETA", "bookings")
    listing = await oauth_stack.fake.wait_for(
        lambda: next((m for m in oauth_stack.fake.messages("C_BETA")
                      if m.get("ephemeral_to") == BOOKER[ALPHA]), None),
        within=WAIT,
    )  # fmt: skip
    assert "Dishoom" not in section_text(listing)


async def test_uninstall_retires_the_workspace_and_stops_its_posts(
    oauth_stack: LocalStack, app_store: Store
) -> None:
    install_both(oauth_stack)
    confirmations = {team: await book_in(oauth_stack, team) for team in (ALPHA, BETA)}

    # BETA's next notification is held back (Slack asks to retry in a minute)…
    oauth_stack.fake.inject("chat.postMessage", error="ratelimited", status=429, retry_after=60)
    venue_sets(oauth_stack, booking_id_of(confirmations[BETA]), "declined")
    await oauth_stack.fake.wait_for(
        lambda: oauth_stack.fake.rate_limited_count or any(
            c.http_status == 429 for c in oauth_stack.fake.calls_to("chat.postMessage")),
        within=WAIT,
    )  # fmt: skip

    # …when BETA uninstalls: Slack revokes its tokens and sends app_uninstalled.
    oauth_stack.fake.uninstall(BETA)
    uninstalled_at = time.time()
    answer = await oauth_stack.driver_for(BETA).event({"type": "app_uninstalled"})
    assert answer.status_code == 200
    assert await app_store.find_installation_row(None, BETA) is None
    assert await app_store.find_installation_row(None, ALPHA) is not None

    [dead] = await app_store.list_dead_outbox()
    assert dead.reason == "workspace T_BETA: the app was uninstalled"

    # Another change for BETA dies at once (no token to post with); ALPHA is still served.
    venue_sets(oauth_stack, booking_id_of(confirmations[BETA]), "no_show")
    venue_sets(oauth_stack, booking_id_of(confirmations[ALPHA]), "declined")
    await thread_reply(oauth_stack, CHANNEL[ALPHA], confirmations[ALPHA]["ts"])

    async def two_dead() -> bool:
        return len(await app_store.list_dead_outbox()) == 2

    deadline = time.monotonic() + WAIT
    while not await two_dead():
        assert time.monotonic() < deadline, "the second BETA job never became a dead letter"
        await oauth_stack.fake.wait_for(lambda: True, within=0.1)
    newest = (await app_store.list_dead_outbox())[0]
    assert "not installed" in newest.reason
    assert not [c for c in oauth_stack.fake.calls_with_team(BETA) if c.at > uninstalled_at]
    assert oauth_stack.fake.thread(CHANNEL[BETA], confirmations[BETA]["ts"]) == []
