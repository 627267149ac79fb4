"""No secret ever reaches a log record or Slack.

Every stack in this folder is audited for that when it stops (see conftest), so all the
fault and fuzz flows count. This test adds the journey that touches each secret on
purpose: the Slack bot token and signing secret, Bookable's client secret, several
access tokens (one revoked, one refused at renewal), two webhook signing secrets (the app
restarts and registers again, then reads it back from the store) and the encryption key
that protects it there.
"""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from .conftest import StackFactory
from .flows import (
    CHANNEL,
    USER,
    acked_in_time,
    book,
    confirmations,
    driver_of,
    knobs,
    sandbox_bookings,
    search,
    texts_to,
    wait_for_text,
)
from .reliable_stack import ReliabilityStack
from .wire import Wire

pytestmark = pytest.mark.timeout(120)


async def _command(stack: ReliabilityStack, text: str, *needles: str) -> str:
    after = len(texts_to(stack))
    response = await driver_of(stack).command(USER, CHANNEL, text)
    acked_in_time(stack, response)
    return await wait_for_text(stack, *needles, after=after)


async def _book_and_hear_back(stack: ReliabilityStack) -> None:
    """Book through Slack; the venue confirms (a signed webhook), then cancels."""
    await book(stack)
    stack.settle()
    booking = sandbox_bookings(stack)[-1]
    for status in ("confirmed", "cancelled"):
        stack.sandbox_control(f"bookings/{booking['id']}/status", {"status": status})
        stack.settle()


async def test_no_secret_reaches_logs_or_slack(make_stack: StackFactory) -> None:
    key = Fernet.generate_key().decode()
    stack = make_stack(settings_overrides={"bot_encryption_key": key})
    stack.extra_secrets["encryption key"] = key
    await _command(stack, "subscribe", "now gets booking updates")
    await _book_and_hear_back(stack)

    # Bookable revokes every token: a 401, then a fresh token.
    stack.sandbox_control("revoke-tokens")
    await search(stack, "search green fig")  # not cached: it reaches Bookable
    # The token endpoint refuses the next renewal (its error text is logged).
    stack.sandbox_control("revoke-tokens")
    knobs(stack, token_failure=401)
    await _command(stack, "search pasta", "can't sign in", "isn't answering")
    knobs(stack, token_failure=None)

    # Forged and unsigned webhooks and Slack requests are refused (and logged).
    wire = Wire(stack)
    try:
        assert wire.webhook(b'{"eventType": "booking.updated"}', signature="0" * 64).status == 401
        assert wire.webhook(b"{}", signed=False).status == 401
        assert wire.slack(b"command=/bookable&text=help", signed=False).status == 401
    finally:
        wire.close()

    # Slack refuses the bot's token for a moment.
    stack.fake.inject("chat.postMessage", error="invalid_auth", count=3)
    await _command(stack, "bookings", "Your bookings", "no bookings")
    stack.fake.clear_faults()

    # A restart registers the webhook again (a new secret, stored encrypted and read back).
    stack.stop_app()
    stack.start_app()
    await _book_and_hear_back(stack)

    # Every secret was really in play…
    tokens, webhook_secrets = len(stack.access_tokens), len(stack.webhook_secrets)
    assert tokens >= 3 and webhook_secrets == 2, (tokens, webhook_secrets)  # counts only
    delivered = [d for d in stack.sandbox_state()["deliveries"] if d["delivered"]]
    assert delivered, "no webhook was verified with the registered secret"
    assert confirmations(stack), "nothing was posted with the bot token"
    # …and none leaked (the fixture's audit says where, without showing the value).
    leaks = stack.leaks()
    assert not leaks, sorted(set(leaks))
