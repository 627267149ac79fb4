"""The Web API methods the fake implements: one function per method.

Each handler takes the workspace and the decoded arguments and returns the success body
(without `ok`), or raises `SlackError` exactly where Slack would answer `ok: false`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.devtools.fake_slack.directory import (
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_NAME,
    Channel,
    dm_channel_id,
)
from bot.devtools.fake_slack.elements import with_generated_ids
from bot.devtools.fake_slack.messages import SlackError
from bot.devtools.fake_slack.validation import (
    MESSAGE_BLOCK_LIMIT,
    MESSAGE_TEXT_LIMIT,
    block_errors,
    metadata_errors,
    view_errors,
)
from bot.devtools.fake_slack.workspace import Workspace

Args = dict[str, Any]
Handler = Callable[[Workspace, Args], dict[str, Any]]

MISSING_TEXT_WARNING = "missing_text_or_fallback_or_attachments"
# fields slack_sdk may send as JSON strings inside form bodies
JSON_FIELDS = ("blocks", "attachments", "metadata", "view")


def flag(args: Args, name: str) -> bool:
    value = args.get(name)
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true"))


def _int(args: Args, name: str, default: int) -> int:
    try:
        return int(args.get(name, default))
    except (TypeError, ValueError):
        raise SlackError("invalid_arguments") from None


def _invalid(error: str, problems: list[str]) -> SlackError:
    return SlackError(
        error,
        errors=problems,
        response_metadata={"messages": [f"[ERROR] {problem}" for problem in problems]},
    )


def message_content(args: Args, *, partial: bool = False) -> tuple[dict[str, Any], list[str]]:
    """Validated text/blocks/attachments/metadata, and Slack's warnings about them.

    `partial` (chat.update) returns only the fields present in `args`.
    """
    content: dict[str, Any] = {}
    if "text" in args or not partial:
        text = args.get("text")
        content["text"] = text[:MESSAGE_TEXT_LIMIT] if isinstance(text, str) else ""
    if args.get("blocks") not in (None, "") or (partial and "blocks" in args):
        blocks = args.get("blocks") or []
        if isinstance(blocks, str):
            raise SlackError("invalid_blocks_format")
        problems = block_errors(blocks, limit=MESSAGE_BLOCK_LIMIT)
        if problems:
            raise _invalid("invalid_blocks", problems)
        content["blocks"] = with_generated_ids(blocks)
    if args.get("attachments") not in (None, ""):
        if not isinstance(args["attachments"], list):
            raise SlackError("invalid_attachments")
        content["attachments"] = args["attachments"]
    if args.get("metadata") not in (None, ""):
        problems = metadata_errors(args["metadata"])
        if problems:
            raise _invalid("invalid_metadata_format", problems)
        content["metadata"] = args["metadata"]
    if not partial and not (content["text"] or content.get("blocks") or content.get("attachments")):
        raise SlackError("no_text")
    if partial and not content:
        raise SlackError("no_text")
    warnings = [MISSING_TEXT_WARNING] if content.get("blocks") and not content.get("text") else []
    return content, warnings


def with_warnings(body: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    if warnings:
        body["warning"] = ",".join(warnings)
        body["response_metadata"] = {"warnings": warnings}
    return body


def _postable(ws: Workspace, ref: Any) -> Channel:
    channel = ws.channel(ref)
    if channel.is_archived:
        raise SlackError("is_archived")
    if not channel.bot_is_member:
        raise SlackError("channel_not_found" if channel.is_private else "not_in_channel")
    return channel


def _readable(ws: Workspace, ref: Any) -> Channel:
    channel = ws.channel(ref)
    if channel.is_private and not channel.bot_is_member:
        raise SlackError("channel_not_found")
    return channel


def _own_message(ws: Workspace, args: Args) -> tuple[Channel, str]:
    channel = ws.channel(args.get("channel"))
    ts = args.get("ts")
    message = ws.messages.get(channel.id, ts) if isinstance(ts, str) else None
    if message is None or message.ephemeral_to:  # ephemeral messages cannot be edited via API
        raise SlackError("message_not_found")
    if message.user != BOT_USER_ID:
        raise SlackError("cant_update_message")
    return channel, message.ts


def _page(items: list[Any], args: Args, default_limit: int) -> tuple[list[Any], str]:
    start = _int(args, "cursor", 0) if args.get("cursor") else 0
    limit = _int(args, "limit", default_limit) or default_limit
    page = items[start : start + limit]
    next_cursor = str(start + limit) if start + limit < len(items) else ""
    return page, next_cursor


# --- auth / chat ----------------------------------------------------------------------


def auth_test(ws: Workspace, args: Args) -> dict[str, Any]:
    return {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": ws.team_id,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def chat_post_message(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _postable(ws, args.get("channel"))
    content, warnings = message_content(args)
    message = ws.messages.post(
        channel.id,
        **content,
        thread_ts=args.get("thread_ts") or None,
        reply_broadcast=flag(args, "reply_broadcast"),
    )
    body = {"channel": channel.id, "ts": message.ts, "message": message.to_api(ws.team_id)}
    return with_warnings(body, warnings)


def chat_post_ephemeral(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _postable(ws, args.get("channel"))
    user = ws.user(args.get("user"))
    if user.id not in channel.members:
        raise SlackError("user_not_in_channel")
    content, warnings = message_content(args)
    content.pop("metadata", None)
    message = ws.messages.post(
        channel.id, **content, thread_ts=args.get("thread_ts") or None, ephemeral_to=user.id
    )
    return with_warnings({"message_ts": message.ts}, warnings)


def chat_update(ws: Workspace, args: Args) -> dict[str, Any]:
    channel, ts = _own_message(ws, args)
    changes, warnings = message_content(args, partial=True)
    message = ws.messages.update(channel.id, ts, changes=changes)
    body = {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_api(ws.team_id),
    }
    return with_warnings(body, warnings)


def chat_delete(ws: Workspace, args: Args) -> dict[str, Any]:
    channel, ts = _own_message(ws, args)
    ws.messages.delete(channel.id, ts)
    return {"channel": channel.id, "ts": ts}


def chat_get_permalink(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _readable(ws, args.get("channel"))
    ts = args.get("message_ts")
    if not isinstance(ts, str) or ws.messages.get(channel.id, ts) is None:
        raise SlackError("message_not_found")
    link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
    return {"channel": channel.id, "permalink": link}


# --- views ----------------------------------------------------------------------------


def _view_arg(args: Args, kinds: tuple[str, ...] = ("modal",)) -> dict[str, Any]:
    view = args.get("view")
    problems = view_errors(view, kinds=kinds)
    if problems:
        raise _invalid("invalid_arguments", problems)
    assert isinstance(view, dict)
    return view


def _trigger(args: Args) -> str | None:
    return args.get("trigger_id") or args.get("interactivity_pointer")


def views_open(ws: Workspace, args: Args) -> dict[str, Any]:
    view = _view_arg(args)
    user_id = ws.views.consume_trigger(_trigger(args))
    return {"view": ws.views.open(user_id, view).to_api()}


def views_push(ws: Workspace, args: Args) -> dict[str, Any]:
    view = _view_arg(args)
    user_id = ws.views.consume_trigger(_trigger(args))
    return {"view": ws.views.push(user_id, view).to_api()}


def views_update(ws: Workspace, args: Args) -> dict[str, Any]:
    view = _view_arg(args)
    if not args.get("view_id") and not args.get("external_id"):
        raise _invalid("invalid_arguments", ["must provide view_id or external_id"])
    record = ws.views.update(
        view,
        view_id=args.get("view_id") or None,
        external_id=args.get("external_id") or None,
        expected_hash=args.get("hash") or None,
    )
    return {"view": record.to_api()}


def views_publish(ws: Workspace, args: Args) -> dict[str, Any]:
    view = _view_arg(args, kinds=("home",))
    user = ws.user(args.get("user_id"))
    return {"view": ws.views.publish_home(user.id, view, args.get("hash") or None).to_api()}


# --- users / conversations ------------------------------------------------------------


def users_info(ws: Workspace, args: Args) -> dict[str, Any]:
    user = ws.user(args.get("user"))
    return {"user": user.to_api(ws.team_id, include_locale=flag(args, "include_locale"))}


def users_lookup_by_email(ws: Workspace, args: Args) -> dict[str, Any]:
    email = str(args.get("email", "")).lower()
    for user in ws.users.values():
        if user.email and user.email.lower() == email:
            return {"user": user.to_api(ws.team_id)}
    raise SlackError("users_not_found")


def conversations_info(ws: Workspace, args: Args) -> dict[str, Any]:
    return {"channel": _readable(ws, args.get("channel")).to_api()}


def conversations_open(ws: Workspace, args: Args) -> dict[str, Any]:
    if args.get("channel"):
        channel = _readable(ws, args["channel"])
        return {"channel": channel.to_api() if flag(args, "return_im") else {"id": channel.id}}
    user_ids = [u.strip() for u in str(args.get("users", "")).split(",") if u.strip()]
    if not user_ids:
        raise SlackError("users_list_not_supplied")
    if len(user_ids) > 1:
        raise SlackError("not_supported_by_fake", detail="group DMs are not simulated")
    user = ws.user(user_ids[0])
    channel = ws.channels[dm_channel_id(user.id)]
    body = channel.to_api() if flag(args, "return_im") else {"id": channel.id}
    return {"no_op": True, "already_open": True, "channel": body}


def conversations_members(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _readable(ws, args.get("channel"))
    members, cursor = _page(list(channel.members), args, 100)
    return {"members": members, "response_metadata": {"next_cursor": cursor}}


def conversations_history(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _readable(ws, args.get("channel"))
    if not channel.bot_is_member:
        raise SlackError("not_in_channel")
    oldest = float(args.get("oldest") or 0)
    latest = float(args.get("latest") or "inf")
    visible = [
        m
        for m in reversed(ws.messages.top_level(channel.id))
        if not m.ephemeral_to and oldest <= float(m.ts) <= latest
    ]
    page, cursor = _page(visible, args, 100)
    metadata = flag(args, "include_all_metadata")
    return {
        "messages": [m.to_api(ws.team_id, include_metadata=metadata) for m in page],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


def conversations_replies(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _readable(ws, args.get("channel"))
    ts = args.get("ts")
    message = ws.messages.get(channel.id, ts) if isinstance(ts, str) else None
    if message is None or message.ephemeral_to:
        raise SlackError("thread_not_found")
    parent = ws.messages.get(channel.id, message.thread_ts) if message.thread_ts else message
    if parent is None:
        raise SlackError("thread_not_found")
    thread = [parent] + [
        m for m in ws.messages.replies(channel.id, parent.ts) if not m.ephemeral_to
    ]
    page, cursor = _page(thread, args, 1000)
    metadata = flag(args, "include_all_metadata")
    return {
        "messages": [m.to_api(ws.team_id, include_metadata=metadata) for m in page],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.getPermalink": chat_get_permalink,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "conversations.info": conversations_info,
    "conversations.open": conversations_open,
    "conversations.members": conversations_members,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
}
