"""Forged or stale values on the Home tab and in the search modal: a sensible answer,
never a traceback, and never a second modal or booking."""

from __future__ import annotations

import logging

import pytest

from bot.devtools.stack import LocalStack
from bot.slack import ids

from .flow import WAIT, buttons, section_text
from .test_foreign_payloads import _signed_post, _tracebacks
from .test_shortcut_flow import _driver, _results, _search_modal


async def test_a_forged_home_page_value_publishes_the_first_page(
    stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    driver = _driver(stack)
    await driver.open_home("U_ALICE")
    home = await stack.fake.wait_for(lambda: stack.fake.home_view("U_ALICE"), within=WAIT)
    team = stack.fake.team_id
    payload = {
        "type": "block_actions",
        "user": {"id": "U_ALICE", "team_id": team},
        "team": {"id": team},
        "trigger_id": stack.fake.issue_trigger_id("U_ALICE"),
        "container": {"type": "view", "view_id": home["id"]},
        "view": {"id": home["id"], "type": "home", "private_metadata": "", "blocks": []},
        "actions": [{"type": "button", "action_id": f"{ids.HOME_VIEW_ACTION}:next",
                     "block_id": "b", "value": "{nope"}],
    }  # fmt: skip
    with caplog.at_level(logging.INFO):
        assert _signed_post(stack, payload).status_code == 200
        await stack.fake.wait_for(
            lambda: len(stack.fake.calls_to("views.publish")) == 2, within=WAIT
        )
    [_, again] = stack.fake.calls_to("views.publish")
    assert '"n":1' in str(again.args["view"])  # the first page, published again
    assert _tracebacks(caplog) == []


async def test_a_forged_result_pushes_nothing_and_the_next_pick_pushes_one_form(
    stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    driver = _driver(stack)
    results = await _results(stack, "U_ALICE", "dishoom")
    pick = buttons(results, ids.PICK_ACTION)[0]
    with caplog.at_level(logging.INFO):
        for forged in ("not json", '{"v":"x"}', '{"p":"x","n":"four"}'):
            await driver.click("U_ALICE", results["id"], pick["action_id"], value=forged)
        await driver.click("U_ALICE", results["id"], pick["action_id"], value=pick["value"])
        await stack.fake.wait_for(lambda: len(stack.fake.view_stack("U_ALICE")) == 2, within=WAIT)
    assert len(stack.fake.calls_to("views.push")) == 1
    assert _tracebacks(caplog) == []


async def test_bad_search_input_is_shown_under_its_field(stack: LocalStack) -> None:
    driver = _driver(stack)
    await driver.shortcut("U_ALICE", ids.BOOK_SHORTCUT)
    modal = await _search_modal(stack, "U_ALICE")
    await driver.type_value(modal["id"], ids.SEARCH_WORDS.block_id, ids.SEARCH_WORDS.action_id, "x")
    await driver.submit("U_ALICE", modal["id"])
    assert driver.last_errors and ids.SEARCH_WORDS.block_id in driver.last_errors
    assert stack.fake.view(modal["id"])["is_open"]  # type: ignore[index]
    assert "Searching" not in section_text(stack.fake.view(modal["id"]) or {})


@pytest.mark.parametrize("metadata", ["garbage", "[1]", '{"c": 7}'])
def test_a_forged_search_submission_is_acked_without_a_search(
    stack: LocalStack, caplog: pytest.LogCaptureFixture, metadata: str
) -> None:
    team = stack.fake.team_id
    payload = {
        "type": "view_submission",
        "user": {"id": "U_ALICE", "team_id": team},
        "team": {"id": team},
        "view": {
            "id": "V_FORGED", "type": "modal", "callback_id": ids.SEARCH_CALLBACK,
            "private_metadata": metadata, "state": {"values": {}}, "hash": "1.2",
        },
    }  # fmt: skip
    with caplog.at_level(logging.INFO):
        response = _signed_post(stack, payload)
    # An empty ack (a search would answer response_action "update"), and why, in the log.
    assert response.status_code == 200 and response.text == ""
    assert "search submission refused" in caplog.text
    assert _tracebacks(caplog) == []
