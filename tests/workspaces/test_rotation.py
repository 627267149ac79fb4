"""Token rotation: installs with expiring tokens are refreshed through oauth.v2.access
(at SLACK_API_URL, the fake Slack) before they expire, for requests and for the notifier."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.devtools.stack import LocalStack
from bot.store import Store

from .conftest import ALPHA, open_store
from .support import CHANNEL, book_in


async def test_expiring_tokens_are_refreshed_and_stored_encrypted(
    oauth_stack_with: Callable[..., LocalStack],
) -> None:
    # Tokens live 10 minutes; the app refreshes those with less than 15 minutes left.
    stack: LocalStack = oauth_stack_with(
        fake_slack_options={"token_rotation_seconds": 600},
        settings_overrides={"slack_token_rotation_minutes": 15},
    )
    assert stack.install_workspace(ALPHA).status_code == 200
    installed = time.time()
    [exchange] = stack.fake.calls_to("oauth.v2.access")
    first = exchange.response["access_token"]
    assert first.startswith("xoxe.xoxb-") and exchange.response["refresh_token"]

    confirmation = await book_in(stack, ALPHA)

    refreshes = [c for c in stack.fake.calls_to("oauth.v2.access")
                 if c.args.get("grant_type") == "refresh_token"]  # fmt: skip
    assert refreshes and all(c.response["ok"] for c in refreshes)
    issued = {c.response["access_token"] for c in refreshes}
    used = [c for c in stack.fake.calls_with_team(ALPHA)
            if c.method != "oauth.v2.access" and c.at > installed]  # fmt: skip
    assert used and all(c.token in issued for c in used)  # never the first, expiring one
    post = next(c for c in used if c.method == "chat.postMessage"
                and c.args["channel"] == CHANNEL[ALPHA])  # fmt: skip
    assert post.response["ts"] == confirmation["ts"]

    store: Store = await open_store(stack)
    try:
        row = await store.find_installation_row(None, ALPHA)
    finally:
        await store.close()
    assert row is not None and row.bot_token in issued and row.bot_token != first
    assert row.bot_refresh_token == exchange.response["refresh_token"]
