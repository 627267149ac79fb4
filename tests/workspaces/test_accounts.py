"""A Bookable account per workspace, over signed HTTP: an admin connects it from the Home
tab's section (validated by a token, stored encrypted, never shown again); each workspace
then books with its own account, one token per account however many requests at once;
each account's webhook has its own path and secret."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx

from bot.cli_webhooks import run_webhook_command
from bot.devtools.stack import LocalStack
from bot.service.webhook_admin import secret_name
from bot.slack import ids
from bot.slack.blocks.account import account_section
from bot.store import Store
from tests.slack.flow import WAIT, section_text
from tests.slack.test_plan_flow import (
    DISHOOM,
    in_thread,
    run_plans,
    start_plan,
    vote,
    wait_for_counts,
)
from tests.webhooks.support import at, booking_json, envelope, outbox_drained, sign

from .conftest import ALPHA, BETA
from .support import CHANNEL, install_both

CREDENTIALS = {ALPHA: ("alpha-partner", "alpha-secret-1"), BETA: ("beta-partner", "beta-secret-2")}


async def _open_home(stack: LocalStack, team: str, user: str) -> str:
    """The user opens the app's Home tab in `team`; the id of the view published with the
    workspace's Bookable account section."""
    before = stack.fake.home_view(user)
    await stack.driver_for(team).open_home(user)
    view = await stack.fake.wait_for(
        lambda: (v := stack.fake.home_view(user)) and v is not before
        and "bookable_account" in str(v["blocks"]) and v,
        within=WAIT,
    )  # fmt: skip
    return str(view["id"])


def _forged_home(stack: LocalStack, token: str, user: str) -> str:
    """A Home view with the admins' Connect button, published for a user who is no admin
    (the real Home shows them none): the click must still be refused."""
    answer = httpx.post(
        f"{stack.slack_url}/api/views.publish",
        headers={"Authorization": f"Bearer {token}"},
        json={"user_id": user, "view": {"type": "home", "blocks": account_section(
            connected=False, can_connect=True)}},
        timeout=10,
    ).json()  # fmt: skip
    assert answer["ok"], answer
    return str(answer["view"]["id"])


async def _modal(stack: LocalStack, user: str, predicate: Any) -> dict[str, Any]:
    return await stack.fake.wait_for(
        lambda: (view := stack.fake.current_view(user)) and predicate(view) and view,
        within=WAIT,
    )


async def connect(
    stack: LocalStack, team: str, token: str, client_id: str, secret: str, *, user: str = "U_BOB"
) -> dict[str, Any]:
    """Click the Home tab's button, fill the modal, submit; the view shown afterwards."""
    driver = stack.driver_for(team)
    home = await _open_home(stack, team, user)
    earlier = (stack.fake.current_view(user) or {}).get("id")  # a form from an earlier try
    await driver.click(user, home, ids.ACCOUNT_CONNECT_ACTION)
    form = await _modal(
        stack, user, lambda v: v["callback_id"] == ids.ACCOUNT_CALLBACK and v["id"] != earlier
    )
    await driver.type_value(form["id"], ids.ACCOUNT_CLIENT_ID.block_id,
                            ids.ACCOUNT_CLIENT_ID.action_id, client_id)  # fmt: skip
    await driver.type_value(form["id"], ids.ACCOUNT_CLIENT_SECRET.block_id,
                            ids.ACCOUNT_CLIENT_SECRET.action_id, secret)  # fmt: skip
    await driver.submit(user, form["id"])
    return await _modal(
        stack, user,
        lambda v: "Checking" not in str(v["blocks"]) and (
            "Connected" in str(v["blocks"]) or ":warning:" in str(v["blocks"])),
    )  # fmt: skip


def _add_partners(stack: LocalStack) -> None:
    for client_id, secret in CREDENTIALS.values():
        stack.sandbox_control("clients", {"client_id": client_id, "client_secret": secret})


async def test_an_admin_connects_the_workspace_account_and_it_is_validated_and_kept_secret(
    oauth_stack: LocalStack, app_store: Store
) -> None:
    tokens = install_both(oauth_stack)
    _add_partners(oauth_stack)

    refused = await connect(oauth_stack, ALPHA, tokens[ALPHA], "alpha-partner", "wrong")
    assert "did not accept" in str(refused["blocks"])
    assert await app_store.bookable_account(team_id=ALPHA) is None

    not_admin = oauth_stack.driver_for(ALPHA)
    home = _forged_home(oauth_stack, tokens[ALPHA], "U_CAROL")  # she sees no button
    await not_admin.click("U_CAROL", home, ids.ACCOUNT_CONNECT_ACTION)
    shown = await _modal(oauth_stack, "U_CAROL", lambda v: "Only a workspace admin" in str(v))
    assert shown["callback_id"] != ids.ACCOUNT_CALLBACK

    done = await connect(oauth_stack, ALPHA, tokens[ALPHA], *CREDENTIALS[ALPHA])
    assert "Connected" in str(done["blocks"])
    stored = await app_store.bookable_account(team_id=ALPHA)
    assert stored is not None and stored.client_id == "alpha-partner"
    # Never sent back to Slack (no view, message or log line the app sends carries it).
    assert "alpha-secret-1" not in str([c.args for c in oauth_stack.fake.calls])


async def test_two_accounts_one_token_each_under_concurrent_load(oauth_stack: LocalStack) -> None:
    tokens = install_both(oauth_stack)
    _add_partners(oauth_stack)
    for team in (ALPHA, BETA):
        assert "Connected" in str((await connect(oauth_stack, team, tokens[team],
                                                 *CREDENTIALS[team]))["blocks"])  # fmt: skip

    words = ["dishoom", "hawksmoor", "pizza", "sushi", "tapas", "thai", "curry", "grill"]
    drivers = {team: oauth_stack.driver_for(team) for team in (ALPHA, BETA)}
    sent = await asyncio.gather(*(
        drivers[team].command("U_ALICE", CHANNEL[team], f"search {word}")
        for team in (ALPHA, BETA) for word in words
    ))  # fmt: skip
    assert all(response.status_code == 200 for response in sent)
    for team in (ALPHA, BETA):  # every search answered (results or "nothing found")
        await oauth_stack.fake.wait_for(
            lambda team=team: len([m for m in oauth_stack.fake.messages(CHANNEL[team])
                                   if m.get("ephemeral_to") == "U_ALICE"
                                   and not m["text"].startswith("Searching")]) >= len(words),
            within=WAIT,
        )  # fmt: skip

    by_client = oauth_stack.sandbox_state()["token_requests_by_client"]
    assert by_client["alpha-partner"] == 1  # the validation's token, then reused
    assert by_client["beta-partner"] == 1
    searched = [r["client_id"] for r in oauth_stack.sandbox_state()["received"]
                if r["path"].endswith("/venues")]  # fmt: skip
    assert searched.count("alpha-partner") >= len(words)  # each account searched for itself
    assert searched.count("beta-partner") >= len(words)
    assert "local-client" not in searched  # never the operator's account


async def test_each_account_webhook_has_its_own_secret_and_its_own_workspaces(
    oauth_stack: LocalStack, app_store: Store
) -> None:
    tokens = install_both(oauth_stack)
    _add_partners(oauth_stack)
    accounts = {}
    for team in (ALPHA, BETA):
        await connect(oauth_stack, team, tokens[team], *CREDENTIALS[team])
        stored = await app_store.bookable_account(team_id=team)
        assert stored is not None
        accounts[team] = stored.account_id
        settings = oauth_stack.settings
        assert settings is not None
        code = await run_webhook_command(settings, "register", oauth_stack.app_url, accounts[team])
        assert code == 0
        await oauth_stack.driver_for(team).command("U_ALICE", CHANNEL[team], "subscribe")
    secrets = {team: await app_store.get_secret(secret_name(accounts[team])) for team in accounts}
    assert secrets[ALPHA] and secrets[BETA] and secrets[ALPHA] != secrets[BETA]

    async def post(team: str, body: bytes, secret: str | None) -> int:
        account = accounts.get(team, "acct-nobody")
        headers = {"X-API-Key": sign(body, secret or "x"), "Content-Type": "application/json"}
        async with httpx.AsyncClient(timeout=10) as http:
            url = f"{oauth_stack.app_url}/webhooks/bookable/{account}"
            return (await http.post(url, content=body, headers=headers)).status_code

    alpha_event = envelope(booking_json("elsewhere-alpha-000001", "confirmed", at(1)))
    beta_event = envelope(booking_json("elsewhere-beta-0000002", "confirmed", at(2)))
    assert await post(ALPHA, alpha_event, secrets[BETA]) == 401  # the other account's secret
    assert await post(BETA, beta_event, secrets[ALPHA]) == 401
    assert await post("nobody", alpha_event, secrets[ALPHA]) == 404
    assert await post(ALPHA, alpha_event, secrets[ALPHA]) == 204
    assert await post(BETA, beta_event, secrets[BETA]) == 204

    def notices(team: str) -> list[dict[str, Any]]:
        return [m for m in oauth_stack.fake.messages(CHANNEL[team])
                if not m.get("ephemeral_to") and "REF-" in section_text(m)]  # fmt: skip

    for team in (ALPHA, BETA):
        await oauth_stack.fake.wait_for(lambda t=team: notices(t) or None, within=WAIT)
    await outbox_drained(app_store)  # every post the two events cause has been made
    for team, mine, other in ((ALPHA, "000001", "000002"), (BETA, "000002", "000001")):
        [notice] = notices(team)
        assert mine in section_text(notice) and other not in section_text(notice)
    posts = oauth_stack.fake.calls_to("chat.postMessage")
    for team in (ALPHA, BETA):
        assert all(c.team_id == team for c in posts if c.args.get("channel") == CHANNEL[team])


async def test_the_home_tab_shows_the_account_section_and_only_admins_get_its_button(
    oauth_stack: LocalStack,
) -> None:
    install_both(oauth_stack)
    await _open_home(oauth_stack, ALPHA, "U_BOB")  # a workspace admin
    admin_view = oauth_stack.fake.home_view("U_BOB") or {}
    assert "the app operator's Bookable account" in str(admin_view["blocks"])
    assert ids.ACCOUNT_CONNECT_ACTION in str(admin_view["blocks"])
    await _open_home(oauth_stack, ALPHA, "U_ALICE")
    member_view = oauth_stack.fake.home_view("U_ALICE") or {}
    assert ids.ACCOUNT_CONNECT_ACTION not in str(member_view["blocks"])
    assert "Only a workspace admin can change it." in str(member_view["blocks"])


async def test_a_team_meal_is_booked_and_followed_with_its_workspaces_own_account(
    oauth_stack: LocalStack,
) -> None:
    """The plan's deadline and its party size run outside any Slack request (a periodic
    pass, a vote's follow-up): they still call Bookable as the plan's workspace."""
    tokens = install_both(oauth_stack)
    _add_partners(oauth_stack)
    assert "Connected" in str((await connect(oauth_stack, ALPHA, tokens[ALPHA],
                                             *CREDENTIALS[ALPHA]))["blocks"])  # fmt: skip
    oauth_stack.driver = oauth_stack.driver_for(ALPHA)
    deadline = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    posted = await start_plan(oauth_stack, [DISHOOM], deadline=deadline)
    seen = len(oauth_stack.sandbox_state()["received"])  # the test's own lookups end here
    await vote(oauth_stack, "U_BOB", posted, 0)
    await wait_for_counts(oauth_stack, posted, [1])
    assert await run_plans(oauth_stack, to=deadline.isoformat()) == {"booked": 1}
    await in_thread(oauth_stack, posted, "Booked")
    await vote(oauth_stack, "U_ALICE", posted, 0)  # the table follows: a PATCH
    await in_thread(oauth_stack, posted, "now for *2*")

    received = list(oauth_stack.sandbox_state()["received"])[seen:]
    calls = [(r["method"], r["path"], r["client_id"]) for r in received]
    booked = [who for method, path, who in calls if method == "POST" and path.endswith("/booking")]
    patched = [who for method, _, who in calls if method == "PATCH"]
    looked_up = [who for method, path, who in calls if path.endswith("/availability")]
    assert booked == ["alpha-partner"] and patched == ["alpha-partner"]
    assert looked_up and set(looked_up) == {"alpha-partner"}
