"""The Bookable-account section (for the Home tab) and its modal: pure builders."""

from __future__ import annotations

from bot.slack import ids
from bot.slack.blocks.account import (
    account_modal,
    account_result_view,
    account_section,
    connected_text,
)

from .support import assert_valid_blocks, assert_valid_view, texts


def test_the_section_offers_admins_a_button_and_tells_others_who_may() -> None:
    admin = account_section(connected=False, can_connect=True)
    assert_valid_blocks(admin)
    [button] = admin[1]["elements"]
    assert button["action_id"] == ids.ACCOUNT_CONNECT_ACTION
    assert "operator's" in texts(admin)

    other = account_section(connected=True, can_connect=False)
    assert_valid_blocks(other)
    assert "own Bookable" in texts(other) and "Only a workspace admin" in texts(other)
    assert all(block["type"] != "actions" for block in other)


def test_the_modal_asks_for_both_fields_and_is_never_prefilled() -> None:
    view = account_modal()
    assert_valid_view(view)
    assert view["callback_id"] == ids.ACCOUNT_CALLBACK
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert set(inputs) == {ids.ACCOUNT_CLIENT_ID.block_id, ids.ACCOUNT_CLIENT_SECRET.block_id}
    assert all("initial_value" not in element for element in inputs.values())


def test_a_notice_is_escaped(hostile: str) -> None:
    view = account_modal(notice=hostile)
    assert_valid_view(view)  # no raw mention or link markup survives
    assert_valid_view(account_result_view(connected_text("acct-<!channel>")))
