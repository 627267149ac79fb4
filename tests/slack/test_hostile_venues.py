"""A venue whose name and data try to ping or spoof, through the whole booking flow."""

from __future__ import annotations

from bot.devtools.stack import LocalStack
from bot.slack import ids

from .flow import (
    block,
    buttons,
    confirmation,
    fill,
    next_weekday,
    open_form,
    search,
    section_text,
    wait_for_result,
)
from .support import assert_no_raw_markup

EVIL = "<!channel> Evil & Co <@U_BOB> <https://evil.example|Your bank>"
ESCAPED = "&lt;!channel&gt; Evil &amp; Co &lt;@U_BOB&gt; &lt;https://evil.example|Your bank&gt;"


def _add_evil_venue(stack: LocalStack, **extra: object) -> None:
    stack.sandbox_control(
        "venues",
        {"name": EVIL, "description": EVIL * 20, "features": [EVIL], "venueGroupName": EVIL * 5,
         "products": [{"productName": EVIL}], **extra},
    )  # fmt: skip


async def test_hostile_names_never_reach_slack_as_markup(stack: LocalStack) -> None:
    _add_evil_venue(stack)
    results = await search(stack, "U_ALICE", "C_GENERAL", "search evil")
    assert ESCAPED in section_text(results)
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, ESCAPED)
    assert ESCAPED in section_text(form)
    await fill(stack, form)
    await stack.driver.submit("U_ALICE", form["id"])
    await wait_for_result(stack, "U_ALICE")
    message = await confirmation(stack, "U_ALICE", "C_GENERAL")
    assert ESCAPED in section_text(message)
    shown = [*stack.fake.messages("C_GENERAL"), *stack.fake.views.values()]
    for payload in shown:  # everything Slack renders (ids and private_metadata aside)
        assert_no_raw_markup(payload)
    assert buttons(message, ids.CANCEL_ACTION)


async def test_more_preorder_choices_than_a_select_holds_are_suggested(
    stack: LocalStack,
) -> None:
    packages = [
        {"id": f"pkg{i:03d}", "name": f"Bottle {i:03d}", "price": 20.0, "type": "drink"}
        for i in range(150)
    ]
    _add_evil_venue(
        stack,
        name="Cellar Door",
        products=[{"productName": "Tasting", "preOrderRequired": True}],
        preorders={"packages": packages, "menus": []},
    )
    results = await search(stack, "U_ALICE", "C_GENERAL",
                           f"search cellar door date:{next_weekday(2)}")  # fmt: skip
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, "Cellar Door")
    element = block(form, ids.PREORDERS.block_id)["element"]
    assert element["type"] == "multi_external_select"
    driver = stack.driver
    await driver.suggest("U_ALICE", form["id"], ids.PREORDERS.action_id,
                         ids.PREORDERS.block_id, "bottle 14")  # fmt: skip
    values = [o["value"] for o in driver.last_options["options"]]
    assert values == [f"p:pkg{i}" for i in range(140, 150)]
    await driver.choose_options(form["id"], ids.PREORDERS.block_id, ids.PREORDERS.action_id,
                                ["p:pkg149"])  # fmt: skip
    await fill(stack, form)
    await driver.submit("U_ALICE", form["id"])
    await wait_for_result(stack, "U_ALICE")
    [booking] = stack.sandbox_state()["bookings"]
    assert "pkg149" in str(booking)
