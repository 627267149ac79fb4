"""Fuzzing what Slack sends the app: slash-command text, modal values, interaction payloads,
and bodies that are not Slack's at all. Everything is signed with the real signing
secret, so the app's own handling is tested, not the signature check.

Each target: no 5xx, an ack in time whose message (if any) is valid Block Kit, then no
unhandled exception in the logs, no mention markup from the input in anything posted,
no payload Slack refused, no secret anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.devtools.fake_slack.payloads import interaction_base, slack_escape
from bot.slack import ids

from .fuzz_stack import CHANNELS, USERS, FuzzStack, fuzz_stack
from .fuzzing import FUZZ, Draw, hostile_text, json_values, random_bytes, wrong_or
from .wire import FORM

pytestmark = pytest.mark.timeout(1800)  # bench mode runs thousands of examples


@pytest.fixture(scope="module")
def fuzz() -> Iterator[FuzzStack]:
    with fuzz_stack() as target:
        yield target


def test_fuzz_slash_command_text(fuzz: FuzzStack) -> None:
    since = fuzz.begin()
    verbs = st.sampled_from(("", "search ", "subscribe ", "unsubscribe ", "bookings ", "help "))

    @FUZZ
    @given(
        verb=verbs,
        text=hostile_text(200),
        as_slack_sends=st.booleans(),  # Slack entity-encodes & < >; a forger might not
        user=st.sampled_from(USERS),
        channel=st.sampled_from(CHANNELS),
    )
    def run(verb: str, text: str, as_slack_sends: bool, user: str, channel: str) -> None:
        typed = verb + text
        sent = slack_escape(typed) if as_slack_sends else typed
        fuzz.check_ack(fuzz.wire.command(sent, user=user, channel=channel))

    run()
    fuzz.finish(since)


def _slot_options(fuzz: FuzzStack) -> list[dict[str, Any]]:
    for block in fuzz.form["blocks"]:
        if block.get("block_id") == ids.SLOT.block_id:
            return list(block["element"].get("options") or [])
    return []


def _form_values(draw: Draw, fuzz: FuzzStack, *, typed: bool) -> dict[str, Any]:
    """`view.state.values` of the booking form: every field plausible, hostile or absent.

    `typed`: as Slack's inputs produce them (strings, real dates and options); otherwise
    any JSON in any field."""

    def value(good: st.SearchStrategy[Any]) -> Any:
        return draw(good if typed else wrong_or(good))

    options = _slot_options(fuzz)
    slot = value(st.one_of(st.sampled_from(options) if options else st.none(), st.none()))
    entries: dict[ids.Field, tuple[str, str, Any]] = {
        ids.DATE: ("datepicker", "selected_date", value(st.dates().map(str))),
        ids.PARTY: ("number_input", "value", value(st.integers(-3, 80).map(str) | hostile_text(8))),
        ids.SLOT: ("static_select", "selected_option", slot),
        ids.FIRST_NAME: ("plain_text_input", "value", value(hostile_text())),
        ids.LAST_NAME: ("plain_text_input", "value", value(hostile_text())),
        ids.EMAIL: ("email_text_input", "value", value(st.emails() | hostile_text(30))),
        ids.PHONE: (
            "plain_text_input",
            "value",
            value(st.just("+447700900123") | hostile_text(30)),
        ),
        ids.NOTES: ("plain_text_input", "value", value(hostile_text(600))),
    }
    values: dict[str, Any] = {}
    for field, (kind, key, entered) in entries.items():
        if draw(st.integers(0, 9)) == 0:
            continue  # a field Slack did not send
        values[field.block_id] = {field.action_id: {"type": kind, key: entered}}
    return values


def test_fuzz_booking_form_values(fuzz: FuzzStack) -> None:
    """Any values in the booking form, including the wrong types and a foreign metadata."""
    since = fuzz.begin()

    @FUZZ
    @given(data=st.data(), user=st.sampled_from(USERS))
    def run(data: st.DataObject, user: str) -> None:
        values = _form_values(data.draw, fuzz, typed=data.draw(st.booleans()))
        metadata = data.draw(
            st.one_of(
                st.builds(fuzz.fresh_metadata),  # a new modal
                st.just(fuzz.form["private_metadata"]),  # the same modal again
                wrong_or(json_values().map(json.dumps)),
            )
        )
        view = fuzz.form_with(values, metadata)
        payload = interaction_base("view_submission", fuzz.fake.user(user), fuzz.fake.team_id)
        payload.update(trigger_id=fuzz.fake.issue_trigger_id(user), view=view, response_urls=[])
        fuzz.check_submission_answer(fuzz.wire.interaction(payload), view)

    run()
    fuzz.finish(since)


MESSAGE_ACTIONS = ("book_product:0", "search_page:next", "search_page:prev", "cancel_booking:0")
FORM_ACTIONS = (ids.DATE.action_id, ids.PARTY.action_id, ids.RELOAD_TIMES_ACTION)


def _click(draw: Draw, fuzz: FuzzStack, *, value: Any) -> dict[str, Any]:
    """A block_actions payload as Slack sends it, from a message or from the form."""
    user = draw(st.sampled_from(USERS))
    payload = interaction_base("block_actions", fuzz.fake.user(user), fuzz.fake.team_id)
    payload["trigger_id"] = fuzz.fake.issue_trigger_id(user)
    if draw(st.booleans()):
        action_id = draw(st.sampled_from(MESSAGE_ACTIONS))
        channel = draw(st.sampled_from(CHANNELS))
        payload.update(
            container={"type": "message", "channel_id": channel, "is_ephemeral": True,
                       "message_ts": "1700000000.000200"},
            channel={"id": channel, "name": "general"},
            response_url=fuzz.fake.new_response_url(channel, user),
        )  # fmt: skip
    else:
        action_id = draw(st.sampled_from(FORM_ACTIONS))
        view = fuzz.form_with(_form_values(draw, fuzz, typed=True), fuzz.form["private_metadata"])
        payload.update(container={"type": "view", "view_id": view["id"]}, view=view)
    if value is None:  # the value the app put on that button
        value = {
            "book_product": fuzz.book_value,
            "search_page": fuzz.page_value,
            "cancel_booking": fuzz.booking_id,
        }.get(action_id.split(":")[0], "reload")
    action = {"type": "button", "action_id": action_id, "block_id": "b", "value": value}
    payload["actions"] = [{**action, "action_ts": "1700000000.000300"}]
    return payload


def test_fuzz_block_actions(fuzz: FuzzStack) -> None:
    """Clicks on the app's own buttons and form inputs, by anyone, anywhere, with any
    form contents."""
    since = fuzz.begin()

    @FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        fuzz.check_ack(fuzz.wire.interaction(_click(data.draw, fuzz, value=None)))

    run()
    fuzz.finish(since)


_PAYLOAD_KEYS = ("user", "team", "container", "channel", "view", "actions", "response_url")


def test_fuzz_block_actions_with_foreign_values(fuzz: FuzzStack) -> None:
    """Values the app never created on its buttons, and payload fields of the wrong type."""
    since = fuzz.begin()

    @FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        value = data.draw(wrong_or(hostile_text()))
        payload = _click(data.draw, fuzz, value=value)
        if data.draw(st.booleans()):
            payload.update(
                data.draw(st.dictionaries(st.sampled_from(_PAYLOAD_KEYS), json_values(4)))
            )
        fuzz.check_ack(fuzz.wire.interaction(payload))

    try:
        run()
    finally:
        fuzz.finish(since)


def test_fuzz_any_body_to_the_slack_endpoint(fuzz: FuzzStack) -> None:
    """Random bytes, JSON of any shape, form fields of the wrong kinds: 2xx or 4xx."""
    since = fuzz.begin()

    @FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        shape = data.draw(st.sampled_from(("payload", "bytes", "json", "form")))
        content_type = FORM
        if shape == "payload":
            body = urlencode({"payload": json.dumps(data.draw(json_values()))}).encode()
        elif shape == "bytes":
            body = data.draw(random_bytes())
            content_type = data.draw(st.sampled_from((FORM, "application/json", "text/plain")))
        elif shape == "json":
            body = json.dumps(data.draw(json_values())).encode()
            content_type = "application/json"
        else:
            fields = data.draw(st.dictionaries(st.sampled_from(_FORM_KEYS), hostile_text(30)))
            body = urlencode(fields).encode()
        fuzz.check_ack(fuzz.wire.slack(body, content_type))

    run()
    fuzz.finish(since)


_FORM_KEYS = ("command", "text", "team_id", "user_id", "channel_id", "payload", "ssl_check", "type")
