"""Enterprise Grid: one org-wide install serves every workspace of the org, for requests
(Bolt's authorize) and for notifications (the org of a workspace is remembered)."""

from __future__ import annotations

from bot.devtools.stack import LocalStack
from bot.store import Store

from .support import book_in, booking_id_of, thread_reply, venue_sets

ORG, WORKSPACE = "E_ORG", "T_IN_ORG"


async def test_an_org_wide_install_serves_the_orgs_workspaces(
    oauth_stack: LocalStack, app_store: Store
) -> None:
    installed = oauth_stack.install_workspace(WORKSPACE, enterprise_id=ORG, org_wide=True)
    assert installed.status_code == 200
    [exchange] = oauth_stack.fake.calls_to("oauth.v2.access")
    org_token = exchange.response["access_token"]
    row = await app_store.find_installation_row(ORG, None)
    assert row is not None and row.is_enterprise_install and row.bot_token == org_token

    # A workspace of the org books (its requests carry the org and the org-wide flag)…
    driver = oauth_stack.driver_for(WORKSPACE, enterprise_id=ORG, org_wide=True)
    confirmation = await book_in(oauth_stack, WORKSPACE, driver=driver)
    assert await app_store.enterprise_of(WORKSPACE) == ORG

    # …and the venue's change reaches it through the org's token.
    venue_sets(oauth_stack, booking_id_of(confirmation), "cancelled")
    await thread_reply(oauth_stack, "C_GENERAL", confirmation["ts"])
    posts = oauth_stack.fake.calls_to("chat.postMessage")
    assert posts and all(c.token == org_token for c in posts)
