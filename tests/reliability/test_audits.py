"""The audits themselves: each must catch what it is there to catch, or every test that
relies on it would pass vacuously."""

from __future__ import annotations

import logging

from bot.devtools.fake_slack import RecordedCall

from .audits import injected_markup, rejected_payloads
from .logcapture import LogCapture, secret_hits

USERS, CHANNELS = {"U_ALICE"}, {"C_GENERAL"}


def test_markup_from_input_is_caught_and_the_apps_own_mentions_are_not() -> None:
    hostile = [
        "<!channel>", "<!here|here>", "<!everyone>", "<@U0FUZZ>", "<@W1|boss>",
        "<!subteam^S0FUZZ>", "<#C0FUZZ>", "<https://evil.example|Your bank>",
        "<mailto:x@evil.example|help>", "<!date^1700000000^{date}|today>",
        # lookalikes of the app's own calendar and map links
        "<https://calendar.google.com/calendar/render?a=1|Your bank>",
        "<https://evil.example/calendar/x.ics?a|Add to calendar (.ics)|x>",
        "<https://www.google.com/maps/search/?q|Map it>",
    ]  # fmt: skip
    for markup in hostile:
        payload = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": markup}}]}
        assert injected_markup([payload], users=USERS, channels=CHANNELS) == [markup], markup
    own = {
        "text": "Booked by <@U_ALICE> — posted in <#C_GENERAL>. 3 &lt; 4 &amp; <3 "
        "<http://app.example/calendar/YWJj.ics?exp=1&amp;sig=x|Add to calendar (.ics)>"
    }
    unrendered = {"blocks": [{"type": "actions", "elements": [{"value": "<!channel>"}]}],
                  "view": {"private_metadata": "<!here>"}}  # fmt: skip
    assert injected_markup([own, unrendered, "plain answer"], users=USERS, channels=CHANNELS) == []


def test_refused_payloads_are_found() -> None:
    refused = RecordedCall("chat.postMessage", {}, 0.0, {"ok": False, "error": "invalid_blocks"})
    other = RecordedCall("chat.postMessage", {}, 0.0, {"ok": False, "error": "not_in_channel"})
    fine = RecordedCall("views.update", {}, 0.0, {"ok": True})
    assert rejected_payloads([refused, other, fine]) == ["chat.postMessage: invalid_blocks "]


def test_secrets_are_found_in_messages_arguments_tracebacks_and_slack_texts() -> None:
    secret = "s3cr3t-value-for-the-detector"
    capture = LogCapture()
    capture.install()
    try:
        log = logging.getLogger("reliability.selftest")
        log.debug("token %s", secret)
        try:
            raise ValueError(f"bad {secret}")
        except ValueError:
            log.info("failed", exc_info=True)
        log.warning("nothing to see")
    finally:
        capture.uninstall()
    hits = secret_hits({"the secret": secret}, capture.records, ["ok", f"x{secret}x"])
    assert hits == [
        "the secret in a log record of 'reliability.selftest'",
        "the secret in a log record of 'reliability.selftest'",
        "the secret in text sent to Slack",
    ]
    assert secret not in " ".join(hits)
