"""Small helpers shared by the builders. Text passed to them is already escaped unless the
parameter is called `raw`, in which case the helper escapes and clips it itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)

from bot.slack.mrkdwn import clip_line

# Slack's limits (docs/slack-platform.md); slack_sdk's validators enforce them in tests.
SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
OPTION_TEXT = 75
CONTEXT_TEXT = 3000
MESSAGE_TEXT = 3000  # our own cap for the notification fallback text
CONFIRM_TITLE, CONFIRM_TEXT, CONFIRM_BUTTON = 100, 300, 30
MAX_BLOCKS = 50


def plain(raw: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=clip_line(raw, limit) or "-", emoji=True)


def mrkdwn(escaped: str) -> MarkdownTextObject:
    # verbatim=False keeps Slack's formatting; we never add link_names, and the text is escaped.
    return MarkdownTextObject(text=escaped[:SECTION_TEXT] or " ")


def header(raw: str) -> HeaderBlock:
    return HeaderBlock(text=plain(raw, HEADER_TEXT))


def section(escaped: str, *, block_id: str | None = None, accessory: Any = None) -> SectionBlock:
    return SectionBlock(text=mrkdwn(escaped), block_id=block_id, accessory=accessory)


def context(*escaped: str, block_id: str | None = None) -> ContextBlock:
    elements = [MarkdownTextObject(text=text[:CONTEXT_TEXT]) for text in escaped if text][:10]
    return ContextBlock(elements=elements or [MarkdownTextObject(text=" ")], block_id=block_id)


def divider() -> DividerBlock:
    return DividerBlock()


def button(
    raw_text: str,
    action_id: str,
    value: str | None = None,
    *,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=plain(raw_text, BUTTON_TEXT),
        action_id=action_id,
        value=value,
        style=style,
        confirm=confirm,
    )


def confirm_dialog(raw_title: str, escaped_text: str, raw_yes: str, raw_no: str) -> ConfirmObject:
    return ConfirmObject(
        title=plain(raw_title, CONFIRM_TITLE),
        text=MarkdownTextObject(text=escaped_text[:CONFIRM_TEXT]),
        confirm=plain(raw_yes, CONFIRM_BUTTON),
        deny=plain(raw_no, CONFIRM_BUTTON),
        style="danger",
    )


def actions(elements: Sequence[Any], *, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(elements)[:25], block_id=block_id)


def option(raw_text: str, value: str, *, raw_description: str | None = None) -> Option:
    description = plain(raw_description, OPTION_TEXT) if raw_description else None
    return Option(text=plain(raw_text, OPTION_TEXT), value=value, description=description)


def message(text: str, blocks: Sequence[Block | dict[str, Any]]) -> dict[str, Any]:
    """A message payload: `text` is the notification fallback (already escaped)."""
    rendered = [b.to_dict() if isinstance(b, Block) else b for b in blocks][:MAX_BLOCKS]
    return {"text": text[:MESSAGE_TEXT] or " ", "blocks": rendered}


def simple_message(escaped: str) -> dict[str, Any]:
    return message(escaped, [section(escaped)])


def human_date(on: date) -> str:
    """ "Fri 15 Aug 2025" — unambiguous for UK and US readers alike."""
    return f"{on:%a} {on.day} {on:%b %Y}"


def feature_label(raw_feature: str) -> str:
    """A feature identifier in words, escaped: `dog_friendly` → "dog friendly"."""
    return clip_line(raw_feature.replace("_", " ").replace("-", " "), 30)


def venue_time(raw_time: str) -> str:
    """A booking's time, escaped: the venue's local wall-clock time, said so, e.g.
    "19:00 venue time". Never converted: the table is at 19:00 wherever the reader is."""
    return f"{clip_line(raw_time[:5], 10)} venue time"


def moment(at: datetime) -> str:
    """A point in time that each reader's Slack shows in their own zone ("Today at 7:02 PM");
    clients that can't render it show the UTC fallback. Naive datetimes are taken as UTC."""
    utc = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    fallback = utc.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def field_line(label: str, raw_value: str | None, limit: int = 200) -> str:
    return f"*{label}:* {clip_line(raw_value, limit)}" if raw_value else ""


def lines_within(lines: Sequence[str], limit: int) -> list[str]:
    """As many whole lines as fit in `limit` characters once joined with newlines."""
    kept: list[str] = []
    used = -1
    for line in lines:
        if used + 1 + len(line) > limit:
            break
        kept.append(line)
        used += 1 + len(line)
    return kept
