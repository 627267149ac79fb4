"""The fake workspace as one user sees it, in the small shape the page renders.

Only that user's ephemeral messages and modals are included, like a real Slack client.
"""

from __future__ import annotations

from typing import Any

from bot.devtools.fake_slack import BOT_USER_ID, FakeSlack
from bot.slack import ids

BOT_NAME = "Bookable"
# As manifests/slack-app.yml declares them (the page offers them like Slack's menus do).
SHORTCUTS = [
    {"name": "Book a table", "type": "global", "callback_id": ids.BOOK_SHORTCUT},
    {
        "name": "Book a table for this conversation",
        "type": "message",
        "callback_id": ids.BOOK_HERE_SHORTCUT,
    },
]


def people(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": user["id"],
            "name": user["profile"].get("first_name") or user["real_name"] or user["name"],
            "admin": bool(user.get("is_admin")),
        }
        for user in state["users"]
        if not user.get("is_bot") and not user.get("deleted")
    ]


def _channel_entry(channel: dict[str, Any], user_id: str) -> dict[str, Any] | None:
    if channel.get("is_im"):
        if channel.get("user") != user_id:
            return None  # someone else's DM with the app
        return {"id": channel["id"], "name": BOT_NAME, "kind": "im"}
    if channel.get("is_archived"):
        return None
    if channel.get("is_private") and user_id not in channel.get("members", []):
        return None
    return {"id": channel["id"], "name": channel["name"], "kind": "channel"}


def _message_entry(message: dict[str, Any]) -> dict[str, Any]:
    author = message.get("user")
    return {
        "channel": message["channel"],
        "ts": message["ts"],
        "thread_ts": message.get("thread_ts"),
        "user": author,
        "bot": author == BOT_USER_ID or "bot_id" in message,
        "username": BOT_NAME if author == BOT_USER_ID else None,
        "text": message.get("text") or "",
        "blocks": message.get("blocks") or [],
        "ephemeral_to": message.get("ephemeral_to"),
        "edited": "edited" in message,
    }


def user_view(
    fake: FakeSlack, user_id: str, *, only_channels: frozenset[str] | None = None
) -> dict[str, Any]:
    """`only_channels`: the channels of the user's workspace (the two-workspace playground);
    their DM with the app is always shown."""
    state = fake.state()
    users = people(state)
    if not any(user["id"] == user_id for user in users):
        raise LookupError(f"no such user: {user_id}")
    channels: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for channel in state["channels"]:
        entry = _channel_entry(channel, user_id)
        if entry is None:
            continue
        if only_channels is not None and entry["kind"] != "im" and entry["id"] not in only_channels:
            continue
        channels.append(entry)
        for message in channel["messages"]:
            for item in [message, *message.get("replies", [])]:
                if item.get("ephemeral_to") in (None, user_id):
                    messages.append(_message_entry(item))
    channels.sort(key=lambda c: (c["kind"] == "im", c["name"] != "general", c["name"]))
    views = [view for view in fake.view_stack(user_id) if view.get("type") == "modal"]
    home = fake.home_view(user_id)
    return {
        "team": "Bookable Playground",
        "bot": {"id": BOT_USER_ID, "name": BOT_NAME},
        "users": users,
        "channels": channels,
        "messages": messages,
        "views": [_view_entry(view) for view in views],
        "home": _view_entry(home) if home else None,  # the App Home tab, once published
        "shortcuts": SHORTCUTS,
    }


def _view_entry(view: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "hash", "type", "callback_id", "title", "submit", "close", "blocks", "state")
    return {key: view.get(key) for key in keep}


def booking_entry(booking: dict[str, Any]) -> dict[str, Any]:
    """A sandbox booking (Bookable's camelCase JSON) as the venue console shows it."""
    guest = " ".join(part for part in (booking.get("firstName"), booking.get("lastName")) if part)
    location = booking.get("location") or {}
    where = [booking.get("productName"), location.get("address"), location.get("city")]
    return {
        "id": booking.get("id"),
        "reference": booking.get("reference") or booking.get("operatorBookingId"),
        "status": str(booking.get("status") or "unknown").lower(),
        "venue": booking.get("venueName") or booking.get("venueGroupName") or "",
        "where": " · ".join(str(part) for part in where if part),
        "guest": guest,
        "partySize": booking.get("partySize"),
        "date": booking.get("date"),
        "time": booking.get("time"),
    }
