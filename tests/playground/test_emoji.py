"""Every emoji shortcode the app writes into Slack messages renders as an emoji in the
playground (its mrkdwn renderer knows a fixed list; an unknown one shows as `:name:`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import bot
from bot.devtools.playground.server import STATIC

SHORTCODE = re.compile(r"(?<![\w:]):([a-z][a-z0-9_]+):(?![\w])")
WRITERS = ("slack", "notify")  # the packages whose strings reach Slack as mrkdwn


def shortcodes_in_app() -> set[str]:
    found: set[str] = set()
    root = Path(bot.__file__).parent
    for package in WRITERS:
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.update(SHORTCODE.findall(node.value))
    return found


def shortcodes_rendered() -> set[str]:
    source = (Path(STATIC) / "mrkdwn.js").read_text()
    table = source[
        source.index("const EMOJI = {") : source.index("};", source.index("const EMOJI"))
    ]
    return set(re.findall(r"(\w+): \"", table))


def test_every_emoji_the_app_writes_is_rendered_in_the_playground() -> None:
    used = shortcodes_in_app()
    assert {"white_check_mark", "large_green_circle", "alarm_clock"} <= used  # the scan works
    assert used - shortcodes_rendered() == set()
