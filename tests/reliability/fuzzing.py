"""Hypothesis profiles and the hostile inputs the fuzz targets are built from.

Profiles: "ci" (the default, quick) and "bench" (2,000 examples per target), chosen with
`HYPOTHESIS_PROFILE=bench`. They are applied per test (`@FUZZ`), so other folders'
property tests keep their own settings. The full run (about 10 minutes on 2 cores):

    HYPOTHESIS_PROFILE=bench pytest tests/reliability -k fuzz -p no:logging

(`-p no:logging` keeps pytest from holding every DEBUG record of the run in memory.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# Every example crosses real HTTP and leaves the app work to do, so shrinking a failure
# takes minutes: the quick profile reports it unshrunk (with a blob to reproduce it).
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    print_blob=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "bench",
    parent=settings.get_profile("ci"),
    max_examples=2000,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
FUZZ = settings.get_profile(PROFILE if PROFILE in ("ci", "bench") else "ci")

# Markup that pings people or disguises links if it ever reaches Slack unescaped. The ids
# are unknown to the fake workspace, so the audit can tell them from the app's own.
INJECTIONS = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U0FUZZ>",
    "<@W0FUZZ|boss>",
    "<!subteam^S0FUZZ>",
    "<#C0FUZZ>",
    "<https://evil.example|Your bank>",
    "<mailto:x@evil.example|help>",
    "<!date^1700000000^{date}|today>",
    "&lt;!channel&gt;",
    "&amp;lt;!here&amp;gt;",
)
MRKDWN = ("*", "_", "~", "`", "```", ">", "&", "<", ">", ":tada:", "\n", "\t", "\\", '"', "|")
ODD = ("\u202e", "\u200b", "\ufeff", "\x00", "\x1b[31m", "\r\n", "🍽️", "👩‍👩‍👧", "İ", "ß", "\u0301")

# `data.draw` (st.DrawFn is narrower than what st.data() hands out, for type checkers)
Draw = Callable[[st.SearchStrategy[Any]], Any]

_fragments = st.sampled_from(INJECTIONS + MRKDWN + ODD)
_words = st.sampled_from(("dishoom", "party:4", "date:fri", "group:x", "search", "book"))


def huge(piece: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A piece repeated into thousands of characters (past every Slack text limit)."""
    return st.builds(lambda s, n: (s or "x") * n, piece, st.integers(200, 5000))


def hostile_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Unicode, mrkdwn control characters, mention markup, huge strings."""
    mixed = st.lists(st.one_of(_fragments, _words, st.text(max_size=12)), max_size=12).map(" ".join)
    return st.one_of(
        st.text(max_size=max_size),
        mixed,
        _fragments,
        huge(st.one_of(_fragments, st.text(min_size=1, max_size=5))),
    )


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON value, nested; strings are hostile."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        hostile_text(20),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(hostile_text(10), inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def wrong_or(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly plausible values, often the wrong type, sometimes JSON inside a string."""
    return st.one_of(good, json_values(6), json_values(6).map(json.dumps), hostile_text())


def random_bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=300),
        hostile_text().map(lambda s: s.encode("utf-8", "surrogatepass")),
    )
