"""A workspace's own Bookable account: a section the App Home tab can include (what is
connected, and a button for admins), and the modal that takes the client id and secret.
Pure builders; the secret is never put back into any view."""

from __future__ import annotations

from typing import Any

from bot.slack import ids
from bot.slack.blocks.common import actions, button, context, section
from bot.slack.mrkdwn import escape

MAX_CREDENTIAL = 256


def account_section(*, connected: bool, can_connect: bool) -> list[dict[str, Any]]:
    """For the Home tab: which Bookable account the workspace uses, and (admins) a button."""
    if connected:
        text = "*Bookable account:* this workspace uses its own Bookable partner account."
        label = "Replace Bookable account"
    else:
        text = "*Bookable account:* this workspace uses the app operator's Bookable account."
        label = "Connect your Bookable account"
    blocks: list[Any] = [section(text, block_id="bookable_account")]
    if can_connect:
        blocks.append(actions([button(label, ids.ACCOUNT_CONNECT_ACTION)]))
    else:
        blocks.append(context("Only a workspace admin can change it."))
    return [b.to_dict() for b in blocks]


def _input(field: ids.Field, label: str, hint: str) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": field.block_id,
        "label": {"type": "plain_text", "text": label},
        "hint": {"type": "plain_text", "text": hint},
        "element": {
            "type": "plain_text_input",
            "action_id": field.action_id,
            "max_length": MAX_CREDENTIAL,
        },
    }


def account_modal(*, notice: str | None = None) -> dict[str, Any]:
    """The form; `notice` (raw) says why the last try failed. Never pre-filled."""
    blocks: list[dict[str, Any]] = [
        section(
            "Connect the workspace's own Bookable partner account. Bookable checks the "
            "credentials now; the secret is stored encrypted and never shown again."
        ).to_dict()
    ]
    if notice:
        blocks.append(context(f":warning: {escape(notice)}").to_dict())
    blocks += [
        _input(ids.ACCOUNT_CLIENT_ID, "Client id", "Bookable Portal > account settings"),
        _input(ids.ACCOUNT_CLIENT_SECRET, "Client secret", "Shown once by Bookable; kept secret"),
    ]
    return {
        "type": "modal",
        "callback_id": ids.ACCOUNT_CALLBACK,
        "title": {"type": "plain_text", "text": "Bookable account"},
        "submit": {"type": "plain_text", "text": "Connect"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def connected_text(account_id: str) -> str:
    """After connecting: what the operator needs for the account's webhook (its id)."""
    account = escape(account_id)
    return (
        ":white_check_mark: Connected. This workspace now books with its own Bookable "
        "account. The secret is stored encrypted and will not be shown again.\n"
        f"Account id: `{account}`. For booking updates from this account, the app's "
        f"operator runs `bookable-bot webhooks register <public-url> --account {account}`."
    )


def account_result_view(escaped: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.ACCOUNT_CALLBACK + "_done",
        "title": {"type": "plain_text", "text": "Bookable account"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [section(escaped).to_dict()],
    }
