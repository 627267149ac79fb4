"""SlackDriver against a real Bolt app: signatures, payload shapes, modal lifecycle."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.devtools.fake_slack import ClientValidationError, FakeSlack, SlackDriver
from bot.devtools.serving import BackgroundServer

from .bolt_app import RecordingBoltApp
from .conftest import BOT_TOKEN, SIGNING_SECRET


@pytest.fixture(scope="module")
def bolt_server(
    served_fake: tuple[FakeSlack, BackgroundServer],
) -> Iterator[tuple[RecordingBoltApp, str]]:
    app = RecordingBoltApp(
        token=BOT_TOKEN, signing_secret=SIGNING_SECRET, slack_api_url=f"{served_fake[1].url}/api/"
    )
    with BackgroundServer(app.asgi) as server:
        yield app, server.url


@pytest.fixture
def bolt(bolt_server: tuple[RecordingBoltApp, str], fake: FakeSlack) -> RecordingBoltApp:
    bolt_server[0].received.clear()
    return bolt_server[0]


@pytest.fixture
def driver(bolt_server: tuple[RecordingBoltApp, str], fake: FakeSlack) -> SlackDriver:
    return SlackDriver(fake, bolt_server[1], SIGNING_SECRET)


async def open_modal(driver: SlackDriver, fake: FakeSlack, text: str = "book") -> dict[str, Any]:
    response = await driver.command("U_ALICE", "C_GENERAL", text)
    assert response.status_code == 200, response.text
    return await fake.wait_for(lambda: fake.current_view("U_ALICE"))


async def fill_in(driver: SlackDriver, view_id: str, *, party: int = 4) -> None:
    await driver.type_value(view_id, "name", "value", "Alice")
    await driver.type_value(view_id, "party", "value", party)
    await driver.select_date(view_id, "date", "value", "2030-05-01")
    await driver.suggest("U_ALICE", view_id, "venue_search", "venue", "b")
    await driver.choose_option(view_id, "venue", "venue_search", "brasserie")


async def test_command_is_verified_by_bolt_and_opens_a_modal(
    driver: SlackDriver, fake: FakeSlack, bolt: RecordingBoltApp
) -> None:
    view = await open_modal(driver, fake, text="party <b> & co")
    command = bolt.of_type("command")[0]
    assert command["text"] == "party &lt;b&gt; &amp; co"  # entity-encoded, like Slack
    assert command["user_id"] == "U_ALICE" and command["channel_name"] == "general"
    assert command["response_url"].startswith(fake.base_url or "-")
    assert view["private_metadata"] == "party &lt;b&gt; &amp; co"
    assert fake.calls_to("views.open")[0].response["ok"] is True


async def test_forged_and_stale_signatures_are_rejected(
    driver: SlackDriver, fake: FakeSlack, bolt: RecordingBoltApp
) -> None:
    forged = await driver.command("U_ALICE", "C_GENERAL", "book", signed=False)
    stale = await driver.command("U_ALICE", "C_GENERAL", "book", timestamp=int(time.time()) - 600)
    assert forged.status_code == stale.status_code == 401
    assert bolt.received == [] and fake.current_view("U_ALICE") is None


async def test_ack_text_shows_as_an_ephemeral_message(driver: SlackDriver, fake: FakeSlack) -> None:
    await driver.command("U_BOB", "C_GENERAL", "help")
    [shown] = fake.messages("C_GENERAL")
    assert shown["text"] == "Try /bookable book" and shown["ephemeral_to"] == "U_BOB"


async def test_submission_carries_slack_shaped_state_and_closes_the_modal(
    driver: SlackDriver, fake: FakeSlack, bolt: RecordingBoltApp
) -> None:
    view = await open_modal(driver, fake)
    await fill_in(driver, view["id"])
    await driver.choose_options(view["id"], "extras", "value", ["highchair"])

    response = await driver.submit("U_ALICE", view["id"])

    assert response.status_code == 200 and driver.last_problem is None
    submission = bolt.of_type("view_submission")[0]
    sent = submission["view"]
    assert sent["id"] == view["id"] and sent["callback_id"] == "booking" and sent["hash"]
    values = sent["state"]["values"]
    assert values["name"]["value"] == {"type": "plain_text_input", "value": "Alice"}
    assert values["party"]["value"] == {"type": "number_input", "value": "4"}
    assert values["date"]["value"] == {"type": "datepicker", "selected_date": "2030-05-01"}
    assert values["venue"]["venue_search"]["selected_option"]["value"] == "brasserie"
    assert values["time"]["pick_time"] == {"type": "static_select", "selected_option": None}
    assert values["email"]["value"] == {"type": "email_text_input", "value": None}
    assert values["extras"]["value"]["selected_options"][0]["value"] == "highchair"
    assert fake.current_view("U_ALICE") is None
    posted = await fake.wait_for(lambda: fake.messages("C_GENERAL"))
    assert posted[0]["text"] == "Booked for Alice"


async def test_response_action_errors_keep_the_modal_open(
    driver: SlackDriver, fake: FakeSlack, bolt: RecordingBoltApp
) -> None:
    view = await open_modal(driver, fake)
    await fill_in(driver, view["id"], party=12)
    await driver.submit("U_ALICE", view["id"])
    assert driver.last_errors == {"party": "At most 10 people"}
    assert fake.current_view("U_ALICE")["id"] == view["id"]  # type: ignore[index]

    await driver.type_value(
        view["id"], "party", "value", 9
    )  # app keys an error to a non-input block
    await driver.submit("U_ALICE", view["id"])
    assert driver.last_errors is None and "not input blocks" in (driver.last_problem or "")


async def test_response_action_update_replaces_the_modal(
    driver: SlackDriver, fake: FakeSlack
) -> None:
    view = await open_modal(driver, fake)
    await fill_in(driver, view["id"], party=8)
    await driver.submit("U_ALICE", view["id"])
    current = fake.current_view("U_ALICE")
    assert current is not None and current["id"] == view["id"]
    assert current["title"]["text"] == "Check again" and current["hash"] != view["hash"]
    assert current["state"]["values"]["name"]["value"]["value"] == "Alice"  # same ids: kept


async def test_response_action_push_then_clear(driver: SlackDriver, fake: FakeSlack) -> None:
    view = await open_modal(driver, fake)
    await fill_in(driver, view["id"], party=7)
    await driver.submit("U_ALICE", view["id"])
    stack = fake.view_stack("U_ALICE")
    assert [v["callback_id"] for v in stack] == ["booking", "confirm"]
    assert stack[1]["previous_view_id"] == view["id"]

    await driver.submit("U_ALICE", stack[1]["id"])
    assert fake.view_stack("U_ALICE") == [] and driver.last_problem is None


async def test_required_fields_are_enforced_by_the_client(
    driver: SlackDriver, fake: FakeSlack
) -> None:
    view = await open_modal(driver, fake)
    await driver.type_value(view["id"], "party", "value", "many")
    with pytest.raises(ClientValidationError) as refused:
        await driver.submit("U_ALICE", view["id"])
    assert refused.value.errors["name"] == "Please complete this required field."
    assert "number" in refused.value.errors["party"]


async def test_dispatching_select_and_button_in_a_view_send_block_actions(
    driver: SlackDriver, fake: FakeSlack, bolt: RecordingBoltApp
) -> None:
    view = await open_modal(driver, fake)
    assert await driver.type_value(view["id"], "name", "value", "Al") is None  # no dispatch_action

    await driver.choose_option(view["id"], "time", "pick_time", "dinner")
    action = bolt.of_type("block_actions")[0]
    assert action["container"] == {"type": "view", "view_id": view["id"]}
    assert action["actions"][0]["selected_option"]["value"] == "dinner"
    assert (
        action["view"]["state"]["values"]["time"]["pick_time"]["selected_option"]["value"]
        == "dinner"
    )
    assert action["trigger_id"] and "response_url" not in action

    await fake.wait_for(lambda: fake.calls_to("views.update"))
    await driver.click("U_ALICE", view["id"], "refresh")
    clicked = await fake.wait_for(lambda: bolt.of_type("block_actions")[1:])
    assert clicked[0]["actions"][0]["value"] == "r" and clicked[0]["actions"][0]["type"] == "button"
    updates = await fake.wait_for(
        lambda: [c for c in fake.calls_to("views.update") if c.response["ok"]][1:]
    )
    assert updates and fake.current_view("U_ALICE")["title"]["text"] == "Refreshed"  # type: ignore[index]
    assert fake.current_view("U_ALICE")["state"]["values"]["name"]["value"]["value"] == "Al"  # type: ignore[index]


async def test_message_button_and_response_url_replace_original(
    driver: SlackDriver, fake: FakeSlack, bolt: RecordingBoltApp
) -> None:
    await driver.command("U_ALICE", "C_GENERAL", "post")
    [message] = await fake.wait_for(lambda: fake.messages("C_GENERAL"))
    assert message["ephemeral_to"] is None

    response = await driver.click("U_BOB", message, "take")

    assert response.status_code == 200
    action = bolt.of_type("block_actions")[0]
    assert action["container"]["message_ts"] == message["ts"]
    assert action["message"]["ts"] == message["ts"] and "channel" not in action["message"]
    assert action["actions"][0]["value"] == "slot-1"
    await fake.wait_for(
        lambda: fake.message("C_GENERAL", message["ts"])["text"].startswith("Taken")
    )  # type: ignore[index]
    assert fake.message("C_GENERAL", message["ts"])["text"] == "Taken by <@U_BOB>"  # type: ignore[index]


async def test_closing_notifies_the_app(
    driver: SlackDriver, fake: FakeSlack, bolt: RecordingBoltApp
) -> None:
    view = await open_modal(driver, fake)
    response = await driver.close("U_ALICE", view["id"])
    assert response is not None and response.status_code == 200
    assert bolt.of_type("view_closed")[0]["view"]["id"] == view["id"]
    assert fake.current_view("U_ALICE") is None


async def test_global_shortcut_has_a_trigger_and_no_channel(
    driver: SlackDriver, fake: FakeSlack, bolt: RecordingBoltApp
) -> None:
    response = await driver.shortcut("U_ALICE", "book_table")
    assert response.status_code == 200 and driver.last_problem is None
    [body] = bolt.of_type("shortcut")
    assert body["callback_id"] == "book_table" and body["user"]["id"] == "U_ALICE"
    assert "channel" not in body and "response_url" not in body
    view = await fake.wait_for(lambda: fake.current_view("U_ALICE"))
    assert view["private_metadata"] == "shortcut"  # the trigger id opened the modal


async def test_message_shortcut_carries_the_message_channel_and_response_url(
    driver: SlackDriver, fake: FakeSlack, bolt: RecordingBoltApp
) -> None:
    posted = fake.post_as_user("U_CAROL", "C_GENERAL", "Lunch on Friday?")
    assert posted["user"] == "U_CAROL" and not posted["ephemeral_to"]
    await driver.message_shortcut("U_ALICE", posted, "book_here")
    [body] = bolt.of_type("message_action")
    assert body["channel"]["id"] == "C_GENERAL" and body["message_ts"] == posted["ts"]
    assert body["message"]["text"] == "Lunch on Friday?" and body["trigger_id"]
    answer = await fake.wait_for(
        lambda: next((m for m in fake.messages("C_GENERAL") if m["ephemeral_to"]), None)
    )
    assert answer["text"] == "Booking for <#C_GENERAL>"
    with pytest.raises(LookupError):
        await driver.message_shortcut("U_ALICE", {"ts": "1.2"}, "book_here", channel_id="C_GENERAL")


async def test_open_home_sends_app_home_opened_with_the_published_view(
    driver: SlackDriver, fake: FakeSlack, bolt: RecordingBoltApp
) -> None:
    await driver.open_home("U_ALICE")
    first = await fake.wait_for(lambda: fake.home_view("U_ALICE"))
    [event] = bolt.of_type("app_home_opened")
    assert event["tab"] == "home" and event["channel"] == "D_ALICE" and "view" not in event
    await driver.open_home("U_ALICE")
    again = await fake.wait_for(
        lambda: (v := fake.home_view("U_ALICE")) and "Visit 2" in str(v["blocks"]) and v
    )
    assert again["id"] == first["id"]  # one Home view per user, republished in place
    assert bolt.of_type("app_home_opened")[1]["view"]["id"] == first["id"]
    # A button on the Home tab is a block action from a view of type "home".
    await driver.click("U_ALICE", again["id"], "take")
    [click] = [b for b in bolt.received if b.get("type") == "block_actions"]
    assert click["view"]["type"] == "home" and click["container"]["type"] == "view"
