from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.slack.mrkdwn import ELLIPSIS, clip, clip_line, escape, one_line, shorten, unescape


def test_escape_neutralises_mentions_and_links() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert escape("<https://evil|bank>") == "&lt;https://evil|bank&gt;"


def test_unescape_decodes_only_what_slack_encodes() -> None:
    assert unescape("a &amp; b &lt;c&gt; &quot;") == "a & b <c> &quot;"
    assert unescape("&amp;lt;") == "&lt;"  # a literal "&lt;" typed by the user survives


def test_clip_counts_the_escaped_length_and_never_cuts_an_entity() -> None:
    assert clip("&&&&", 10) == "&amp;" + ELLIPSIS  # a second "&amp;" would not fit
    assert clip("ab", 2) == "ab"
    assert clip("abc", 2) == "a" + ELLIPSIS
    assert clip("anything", 0) == ""


@given(st.text(alphabet=st.sampled_from("ab<>& \n"), max_size=80), st.integers(1, 60))
def test_clip_is_safe_for_any_input(text: str, limit: int) -> None:
    result = clip(text, limit)
    assert len(result) <= limit
    body = result.removesuffix(ELLIPSIS)
    assert "<" not in body and ">" not in body
    # every & starts a whole entity
    stripped = body.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
    assert "&" not in stripped
    assert text.startswith(unescape(body).rstrip()) or unescape(body) == text


def test_one_line_and_clip_line() -> None:
    assert one_line(" a\n\tb  c ") == "a b c"
    assert clip_line("x\n<y>", 50) == "x &lt;y&gt;"


def test_shorten_works_on_raw_text() -> None:
    assert shorten("abcdef", 4) == "abc" + ELLIPSIS
    assert shorten("abc", 4) == "abc"
