"""Safe text for Slack: escaping of untrusted strings and entity-aware truncation.

`&`, `<` and `>` are Slack's control characters: an unescaped `<!channel>` in a venue name
would ping a whole channel. Every untrusted string goes through `escape` (or `clip`, which
escapes and truncates in one step so an entity is never cut in half).
"""

from __future__ import annotations

import re

ELLIPSIS = "…"

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_WHITESPACE = re.compile(r"\s+")


def escape(text: str) -> str:
    """Replace Slack's three control characters with their entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's encoding of slash-command text (only the three characters it encodes)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def one_line(text: str) -> str:
    """Collapse newlines and runs of whitespace (names belong on one line)."""
    return _WHITESPACE.sub(" ", text).strip()


def clip(text: str, limit: int) -> str:
    """Escape `text` and truncate it so the *escaped* result fits in `limit` characters.

    Truncation happens on the raw text, before escaping, so an entity such as `&amp;` is
    either whole or absent, and the ellipsis is counted in the limit.
    """
    if limit <= 0:
        return ""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    budget = limit - len(ELLIPSIS)
    pieces: list[str] = []
    used = 0
    for char in text:
        piece = _ENTITIES.get(char, char)
        if used + len(piece) > budget:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces).rstrip() + ELLIPSIS


def shorten(text: str, limit: int) -> str:
    """Shorten raw (unescaped) text to `limit` characters with an ellipsis; escape later."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def cut_at_word(text: str, limit: int) -> str:
    """One line of raw text, at most `limit` characters, cut after a whole word (with an
    ellipsis); a single overlong word is cut where it must be. Escape later."""
    line = one_line(text)
    if len(line) <= limit:
        return line
    head = line[: max(limit - 1, 0)]
    words = head.rsplit(" ", 1)[0] if " " in head else head
    return words.rstrip(" ,;:.-–—") + ELLIPSIS


def clip_line(text: str, limit: int) -> str:
    """`clip` for single-line places such as names, labels and button text."""
    return clip(one_line(text), limit)


def bold(escaped: str) -> str:
    """Bold already-escaped text (an empty string stays empty so no stray `**` shows)."""
    return f"*{escaped}*" if escaped else ""
