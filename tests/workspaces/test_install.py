"""Add to Slack over HTTP against the fake Slack: /slack/install → consent →
/slack/oauth_redirect → oauth.v2.access → an encrypted installation; bad states refused."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from bot.devtools.stack import LocalStack, add_to_slack_link
from bot.store import Store
from bot.store.schema import slack_installations

from .conftest import ALPHA, BETA


def test_install_page_links_to_slack_with_client_id_scopes_and_state(
    oauth_stack: LocalStack,
) -> None:
    page = httpx.get(f"{oauth_stack.app_url}/slack/install", timeout=10)
    assert page.status_code == 200
    assert "slack-app-oauth-state=" in page.headers["set-cookie"]
    link = add_to_slack_link(page.text)
    query = parse_qs(urlsplit(link).query)
    assert link.startswith(f"{oauth_stack.slack_url}/oauth/v2/authorize")
    assert query["client_id"] == [oauth_stack.fake.oauth.client_id]
    assert "chat:write" in query["scope"][0].split(",")
    assert len(query["state"][0]) >= 32


async def test_install_exchanges_the_code_and_stores_the_bot_encrypted(
    oauth_stack: LocalStack, app_store: Store
) -> None:
    done = oauth_stack.install_workspace(ALPHA)
    assert done.status_code == 200, done.text
    assert "success" in done.text.lower() or "thank" in done.text.lower()
    [exchange] = oauth_stack.fake.calls_to("oauth.v2.access")
    assert exchange.response["ok"] and exchange.team_id == ALPHA
    token = exchange.response["access_token"]

    row = await app_store.find_installation_row(None, ALPHA)
    assert row is not None and row.bot_token == token and row.installer_user_id == "U_ALICE"
    async with app_store.engine.connect() as connection:
        stored = (await connection.execute(select(slack_installations.c.bot_token))).scalar()
    assert stored and token not in stored  # Fernet ciphertext, never the token itself


def test_a_forged_or_replayed_state_is_refused_without_an_exchange(
    oauth_stack: LocalStack,
) -> None:
    redirect = f"{oauth_stack.app_url}/slack/oauth_redirect"
    with httpx.Client(timeout=10) as browser:
        oauth_stack.open_install_page(browser)  # a real state in the cookie
        forged = browser.get(redirect, params={"code": "code-x", "state": "forged-state"})
    assert forged.status_code in (400, 401)
    assert oauth_stack.fake.calls_to("oauth.v2.access") == []

    # A real install, then its redirect (same code and state, same browser) again.
    oauth_stack.fake.install(BETA)
    with httpx.Client(timeout=10, follow_redirects=True) as browser:
        page = oauth_stack.open_install_page(browser)
        link = add_to_slack_link(page.text)
        first = browser.get(link)
        assert first.status_code == 200
        callback = str(first.history[-1].headers["location"])
        replayed = browser.get(callback)
    assert replayed.status_code == 401
    assert len(oauth_stack.fake.calls_to("oauth.v2.access")) == 1


def test_a_state_from_the_page_but_another_browser_is_refused(oauth_stack: LocalStack) -> None:
    page = httpx.get(f"{oauth_stack.app_url}/slack/install", timeout=10)
    link = add_to_slack_link(page.text)
    state = parse_qs(urlsplit(link).query)["state"][0]
    stolen = httpx.get(  # no state cookie: not the browser that started the install
        f"{oauth_stack.app_url}/slack/oauth_redirect",
        params={"code": "code-x", "state": state},
        timeout=10,
    )
    assert stolen.status_code == 400
    assert oauth_stack.fake.calls_to("oauth.v2.access") == []


async def test_a_revoked_bot_token_retires_the_workspace_but_a_user_token_does_not(
    oauth_stack: LocalStack, app_store: Store
) -> None:
    assert oauth_stack.install_workspace(ALPHA).status_code == 200
    driver = oauth_stack.driver_for(ALPHA)
    users_only = {"type": "tokens_revoked", "tokens": {"oauth": ["U_ALICE"], "bot": []}}
    assert (await driver.event(users_only)).status_code == 200
    assert await app_store.find_installation_row(None, ALPHA) is not None

    bot = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U_BOT"]}}
    assert (await driver.event(bot)).status_code == 200
    assert await app_store.find_installation_row(None, ALPHA) is None
