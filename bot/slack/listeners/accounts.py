"""A workspace's own Bookable account: each request calls Bookable as its workspace (a
middleware sets the account's client for the request and the follow-ups it queues), and
an admin connects the account from the Home tab's button (`blocks.account`): a modal takes
the client id and secret, Bookable validates them by issuing a token, the service stores
them encrypted. Only admins (workspace admins, or SLACK_ADMIN_USER_IDS) may."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import AppContext
from bot.service.accounts import use_account
from bot.slack import ids
from bot.slack.blocks.account import account_modal, account_result_view, connected_text
from bot.slack.followups import BUSY_TEXT
from bot.slack.listeners.shared import Shared, log, team_of, user_of

ADMINS_ONLY = "Only a workspace admin can connect a Bookable account."


def _typed(view: dict[str, Any], field: ids.Field) -> str:
    values = (view.get("state") or {}).get("values") or {}
    entry = (values.get(field.block_id) or {}).get(field.action_id) or {}
    value = entry.get("value")
    return value if isinstance(value, str) else ""


def register(app: AsyncApp, ctx: AppContext, shared: Shared) -> None:
    accounts = ctx.accounts

    @app.middleware
    async def workspace_account(context: AsyncBoltContext, next: Any) -> Any:
        # Bolt runs middleware one after another, then the listener, all in the request's
        # own task: set for the rest of that task (follow-ups queued copy it), not reset.
        use_account(await accounts.client_for(context.team_id))
        return await next()

    async def may_connect(user_id: str, client: AsyncWebClient) -> bool:
        if user_id in ctx.settings.admin_user_ids():
            return True
        profile = await shared.users.get(user_id, client)
        return bool(profile and profile.is_admin)

    @app.action(ids.ACCOUNT_CONNECT_ACTION)
    async def open_form(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await shared.hand_off(ack, "open the Bookable account form", lambda: _open(body, client))

    async def _open(body: dict[str, Any], client: AsyncWebClient) -> None:
        allowed = await may_connect(user_of(body), client)
        view = account_modal() if allowed else account_result_view(ADMINS_ONLY)
        await client.views_open(trigger_id=body.get("trigger_id", ""), view=view)

    @app.view(ids.ACCOUNT_CALLBACK)
    async def submit(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        client_id = _typed(view, ids.ACCOUNT_CLIENT_ID).strip()
        secret = _typed(view, ids.ACCOUNT_CLIENT_SECRET).strip()
        if not client_id or not secret:
            missing = ids.ACCOUNT_CLIENT_ID if not client_id else ids.ACCOUNT_CLIENT_SECRET
            await ack(response_action="errors", errors={missing.block_id: "Required."})
            return
        team, user, view_id = team_of(body), user_of(body), str(view.get("id", ""))

        async def connect() -> None:
            if not await may_connect(user, client):
                await client.views_update(view_id=view_id, view=account_result_view(ADMINS_ONLY))
                return
            outcome = await accounts.connect(team, user, client_id, secret)
            if outcome.account_id is None:
                await client.views_update(
                    view_id=view_id, view=account_modal(notice=outcome.problem)
                )
                return
            log.info("workspace %s: Bookable account connected by %s", team, user)
            done = account_result_view(connected_text(outcome.account_id))
            await client.views_update(view_id=view_id, view=done)

        if not shared.followups.submit("connect a Bookable account", connect):
            await ack(response_action="errors", errors={ids.ACCOUNT_CLIENT_ID.block_id: BUSY_TEXT})
            return
        await ack(
            response_action="update",
            view=account_result_view("Checking these credentials with Bookable…"),
        )
