"""The playground's HTTP API, without a browser: real servers on loopback, driven with httpx."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, TypeVar

import httpx
import pytest

from bot.devtools.playground import create_playground_app
from bot.devtools.playground.server import STATIC
from bot.devtools.serving import BackgroundServer
from bot.devtools.stack import LocalStack
from bot.sandbox.seed import seed_venues
from tests.slack.flow import book_directly

from .conftest import Playground, next_wednesday

T = TypeVar("T")


@pytest.fixture
def api(playground: Playground) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=playground.url, timeout=10) as client:
        yield client


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 10.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def state(api: httpx.Client, user: str = "U_ALICE") -> dict[str, Any]:
    response = api.get("/api/state", params={"user": user})
    response.raise_for_status()
    return response.json()


def label(block: dict[str, Any]) -> str:
    return str((block.get("label") or {}).get("text", ""))


def input_block(view: dict[str, Any], starts: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b["type"] == "input" and label(b).startswith(starts))


def test_page_and_every_module_are_served(api: httpx.Client) -> None:
    page = api.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/app.js">' in page.text
    for path in STATIC.glob("*.js"):
        served = api.get(f"/static/{path.name}")
        assert served.status_code == 200
        assert "javascript" in served.headers["content-type"]
        for imported in re.findall(r'from "\./([\w.]+)"', served.text):
            assert (STATIC / imported).is_file(), f"{path.name} imports missing {imported}"
    assert api.get("/static/style.css").status_code == 200
    # untrusted text reaches the page only through text nodes
    scripts = "".join(p.read_text() for p in STATIC.glob("*.js"))
    assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write", scripts)


def test_each_user_sees_only_their_own_dm_and_ephemerals(api: httpx.Client) -> None:
    alice = state(api)
    assert [(c["id"], c["name"]) for c in alice["channels"]] == [
        ("C_GENERAL", "general"),
        ("C_RANDOM", "random"),
        ("D_ALICE", "Bookable"),
    ]
    assert {u["id"]: u["admin"] for u in alice["users"]} == {
        "U_ALICE": False,
        "U_BOB": True,
        "U_CAROL": False,
    }
    sent = api.post(
        "/api/command", json={"user": "U_ALICE", "channel": "C_GENERAL", "text": "search dishoom"}
    )
    assert sent.json() == {"ok": True}
    results = eventually(
        lambda: [m for m in state(api)["messages"] if m["blocks"]], "search results"
    )
    assert all(m["ephemeral_to"] == "U_ALICE" for m in results)
    assert "Dishoom" in results[0]["text"]
    bob = state(api, "U_BOB")
    assert bob["messages"] == []
    assert "D_ALICE" not in {c["id"] for c in bob["channels"]}
    missing = api.get("/api/state", params={"user": "U_NOBODY"})
    assert missing.status_code == 404
    assert missing.json()["ok"] is False


def test_bad_requests_get_json_errors(api: httpx.Client) -> None:
    not_json = api.post("/api/command", content=b"{oops", headers={"content-type": "text/plain"})
    assert not_json.status_code == 400
    assert not_json.json() == {"ok": False, "error": "the body must be JSON"}
    no_user = api.post("/api/command", json={"channel": "C_GENERAL", "text": "help"})
    assert no_user.status_code == 400
    assert no_user.json()["error"] == "user is required"
    other = api.post(
        "/api/command",
        json={"user": "U_ALICE", "channel": "C_GENERAL", "command": "/giphy", "text": "cats"},
    )
    assert other.status_code == 400
    assert "/giphy is not a valid command" in other.json()["error"]
    gone = api.post(
        "/api/action",
        json={
            "user": "U_ALICE",
            "channel": "C_GENERAL",
            "message_ts": "1.000001",
            "action": {"type": "button", "action_id": "x"},
        },
    )
    assert gone.status_code == 404
    bad_status = api.post("/api/venue/bookings/b1/status", json={"status": "eaten"})
    assert bad_status.status_code == 400
    unknown = api.post("/api/venue/bookings/nope/status", json={"status": "confirmed"})
    assert unknown.status_code == 404
    assert unknown.json()["ok"] is False


def test_home_tab_shortcuts_and_plain_messages(api: httpx.Client) -> None:
    assert state(api)["home"] is None  # never opened
    assert {s["callback_id"] for s in state(api)["shortcuts"]} == {"book_table", "book_table_here"}
    assert api.post("/api/home/open", json={"user": "U_ALICE"}).json() == {"ok": True}
    home = eventually(lambda: state(api)["home"], "the published Home tab")
    assert home["type"] == "home" and "Nothing booked yet" in str(home["blocks"])

    assert api.post(
        "/api/shortcut", json={"user": "U_ALICE", "callback_id": "book_table"}
    ).is_success
    modal = eventually(lambda: state(api)["views"], "the search modal")[-1]
    assert modal["callback_id"] == "table_search"

    posted = api.post("/api/message", json={"user": "U_BOB", "channel": "C_GENERAL", "text": "Hi"})
    assert posted.is_success
    message = next(m for m in state(api, "U_BOB")["messages"] if m["text"] == "Hi")
    assert message["user"] == "U_BOB" and not message["bot"]
    here = api.post(
        "/api/shortcut",
        json={"user": "U_BOB", "callback_id": "book_table_here", "channel": "C_GENERAL",
              "message_ts": message["ts"]},
    )  # fmt: skip
    assert here.is_success
    bob_modal = eventually(lambda: state(api, "U_BOB")["views"], "Bob's search modal")[-1]
    assert "C_GENERAL" in str(bob_modal["blocks"])

    assert api.post("/api/message", json={"user": "U_NOBODY", "channel": "C_GENERAL",
                                          "text": "x"}).status_code == 404  # fmt: skip
    assert api.post("/api/message", json={"user": "U_BOB", "channel": "C_GENERAL",
                                          "text": "  "}).status_code == 400  # fmt: skip
    assert api.post("/api/home/open", json={}).status_code == 400
    gone = {"user": "U_BOB", "callback_id": "book_table_here", "channel": "C_GENERAL",
            "message_ts": "9.9"}  # fmt: skip
    missing = api.post("/api/shortcut", json=gone)
    assert missing.status_code == 404


def test_events_stream_relays_fake_slack_changes() -> None:
    with LocalStack() as stack:
        app = create_playground_app(stack, sse_max_seconds=5.0)
        with BackgroundServer(app) as server, httpx.Client(base_url=server.url) as client:
            with client.stream("GET", "/api/events", timeout=10) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.iter_lines()
                assert next(lines) == "retry: 500"
                client.post(
                    "/api/command",
                    json={"user": "U_BOB", "channel": "C_RANDOM", "text": "help"},
                    timeout=10,
                )
                data = next(line for line in lines if line.startswith("data: "))
            assert '"type": "message.posted"' in data
            assert "help" not in data.lower()  # only a nudge: content comes from /api/state


def test_booking_round_trip(api: httpx.Client) -> None:
    api.post(
        "/api/command", json={"user": "U_ALICE", "channel": "C_GENERAL", "text": "search dishoom"}
    )
    results = eventually(lambda: [m for m in state(api)["messages"] if m["blocks"]], "results")[0]
    blocks = results["blocks"]
    venue = next(i for i, b in enumerate(blocks) if "Dishoom Shoreditch" in str(b.get("text")))
    actions = next(b for b in blocks[venue:] if b["type"] == "actions")
    book = {
        **next(e for e in actions["elements"] if e["text"]["text"] == "Book Dinner"),
        "block_id": actions["block_id"],
    }
    clicked = api.post(
        "/api/action",
        json={
            "user": "U_ALICE",
            "channel": results["channel"],
            "message_ts": results["ts"],
            "action": {
                "type": "button",
                "action_id": book["action_id"],
                "block_id": book["block_id"],
            },
        },
    )
    assert clicked.json() == {"ok": True}
    form = eventually(
        lambda: [v for v in state(api)["views"] if any(b["type"] == "input" for b in v["blocks"])],
        "the booking form",
    )[-1]
    # the date input dispatches block_actions: the app answers with that day's times
    day = input_block(form, "Date")
    picked = api.post(
        "/api/action",
        json={
            "user": "U_ALICE",
            "view_id": form["id"],
            "action": {
                "type": "datepicker",
                "selected_date": next_wednesday(),
                "block_id": day["block_id"],
                "action_id": day["element"]["action_id"],
            },
        },
    )
    assert picked.json() == {"ok": True}
    view = eventually(
        lambda: [v for v in state(api)["views"] if v["hash"] != form["hash"]], "times for that day"
    )[-1]
    assert input_block(view, "Date")["element"]["initial_date"] == next_wednesday()

    def submit(changes: dict[str, Any]) -> dict[str, Any]:
        answer = api.post(
            "/api/view/submit", json={"user": "U_ALICE", "view_id": view["id"], "values": changes}
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    slot = input_block(view, "Time")
    email = input_block(view, "Email")
    phone = input_block(view, "Phone")

    def entry(block: dict[str, Any], **value: Any) -> dict[str, Any]:
        element = block["element"]
        return {block["block_id"]: {element["action_id"]: {"type": element["type"], **value}}}

    # Slack's own client refuses an empty required field: shown like the app's errors
    refused = submit({})
    assert slot["block_id"] in refused["errors"]
    first_time = slot["element"]["options"][0]
    changes = {
        **entry(slot, selected_option=first_time),
        **entry(email, value="alice@example"),
        **entry(phone, value="+447700900123"),
    }
    rejected = submit(changes)
    assert set(rejected["errors"]) == {email["block_id"]}
    accepted = submit({**changes, **entry(email, value="alice@example.com")})
    assert accepted == {"ok": True, "errors": {}}
    booking = eventually(lambda: state(api)["bookings"], "the booking in the sandbox")[0]
    assert booking["guest"] == "Alice Example"
    assert booking["date"] == next_wednesday()

    message = eventually(
        lambda: [m for m in state(api)["messages"] if "party of" in str(m["blocks"])],
        "the booking message",
    )[0]
    confirmed = api.post(
        f"/api/venue/bookings/{booking['id']}/status", json={"status": "cancelled"}
    )
    assert confirmed.json() == {"ok": True}
    reply = eventually(
        lambda: [
            m
            for m in state(api)["messages"]
            if m["thread_ts"] == message["ts"] and "Cancelled" in str(m["blocks"]) + m["text"]
        ],
        "the status update in the thread",
    )
    assert reply
    assert eventually(
        lambda: state(api)["bookings"][0]["status"] == "cancelled", "the cancelled status"
    )


def test_a_venue_subscription_posts_its_notice_with_documented_webhooks(
    api: httpx.Client, playground: Playground
) -> None:
    """The playground runs the sandbox as tests do: webhooks name no venue (§8.2)."""
    stack = playground.stack
    assert stack.sandbox_state()["knobs"]["webhook_extras"] is False
    subscribe = {"user": "U_BOB", "channel": "C_GENERAL", "text": "subscribe venue:hawksmoor"}
    assert api.post("/api/command", json=subscribe).json() == {"ok": True}
    [hawksmoor] = [v.data for v in seed_venues() if v.data["name"] == "Hawksmoor Borough"]
    dinner = next(p["compositeId"] for p in hawksmoor["products"] if p["productName"] == "Dinner")

    booked = book_directly(stack, dinner, date.fromisoformat(next_wednesday()), "19:00", 2)
    assert booked.status_code == 201, booked.text

    def notice() -> str | None:
        texts = [m["text"] for m in state(api)["messages"] if m["channel"] == "C_GENERAL"]
        return next((t for t in texts if t.startswith("Booking at")), None)

    shown = eventually(notice, "the subscription notice")
    assert shown == "Booking at Hawksmoor Borough: Confirmed"
