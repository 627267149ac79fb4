from __future__ import annotations

import pytest

from bot.bookable.errors import (
    BookableProblem,
    Conflict,
    RateLimited,
    ServerError,
    TokenError,
    TransportError,
    Unauthorized,
)
from bot.slack import ids
from bot.slack.user_errors import explain


def problem(code: str, status: int = 409, cls: type = Conflict, **extra: object) -> BookableProblem:
    return cls(status=status, title="t", detail="<!channel> detail", code=code,
               is_retryable=False, correlation_id="corr-1", **extra)  # fmt: skip


@pytest.mark.parametrize(
    ("code", "field", "fragment"),
    [
        ("BOOK-N-001", ids.SLOT.block_id, "just taken"),
        ("BOOK-N-003", ids.PREORDERS.block_id, "preorder"),
        ("AVAIL-N-004", ids.DATE.block_id, "closed on that date"),
        ("OPRUL-N-001", ids.DATE.block_id, "doesn't take bookings"),
        ("OPRUL-N-003", ids.DATE.block_id, "day of the week"),
        ("OPRUL-N-004", ids.SLOT.block_id, "at that time"),
        ("OPRUL-N-009", ids.DATE.block_id, "date or time"),
        ("PMAP-N-001", None, "can't be booked through us"),
        ("AVAIL-N-001", None, "no longer offered"),
    ],
)
def test_known_codes_get_plain_advice_and_a_field(code: str, field: str | None,
                                                  fragment: str) -> None:  # fmt: skip
    message = explain(problem(code))
    assert fragment in message.text
    assert message.field == field
    assert "corr-1" in message.text  # support can trace it at Bookable


def test_slot_taken_asks_for_reloaded_times() -> None:
    assert explain(problem("BOOK-N-001")).retry_times is True


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        (RateLimited(retry_after=12.0, status=429, title="t", detail="d", code=None,
                     is_retryable=True, correlation_id=None), "about 13 seconds"),
        (problem("RATE-R-001", 429, RateLimited, retry_after=None), "busy"),
        (TokenError("token endpoint said no", status=401), "sign in to Bookable"),
        (problem("AUTH-N-001", 401, Unauthorized), "sign in to Bookable"),
        (problem("FAULT-R-001", 503, ServerError), "isn't answering"),
        (TransportError("timed out"), "isn't answering"),
        (problem("VALID-N-001", 400, BookableProblem), "didn't accept"),
    ],
)  # fmt: skip
def test_failures_people_can_act_on(error: Exception, fragment: str) -> None:
    text = explain(error).text
    assert fragment in text
    assert "<!channel>" not in text


@pytest.mark.parametrize(
    "error",
    [
        TokenError("token endpoint answered HTTP 401", status=401, error="access_denied"),
        TokenError("token endpoint answered HTTP 403", status=403),
        TokenError("token endpoint answered HTTP 400", status=400, error="invalid_client"),
        TokenError("refused", error="access_denied"),
    ],
)
def test_refused_credentials_ask_an_admin(error: TokenError) -> None:
    text = explain(error).text
    assert "admin needs to check the app's Bookable credentials" in text
    assert "try again" not in text


@pytest.mark.parametrize(
    "error",
    [
        TokenError("token endpoint answered HTTP 503", status=503),
        TokenError("token endpoint answered HTTP 500", status=500, correlation_id="corr-9"),
        TokenError("token endpoint answered HTTP 429", status=429),
        TokenError("token request timed out after 10 s"),
        TokenError("token request failed: ConnectError"),
        TokenError("token response has no access_token", status=200),
    ],
)
def test_sign_in_outage_says_try_again_not_call_an_admin(error: TokenError) -> None:
    text = explain(error).text
    assert "sign-in service isn't answering right now; please try again in a minute" in text
    assert "admin" not in text and "credentials" not in text
    if error.correlation_id:
        assert error.correlation_id in text


def test_a_stale_reference_asks_for_a_new_search() -> None:
    text = explain(ids.StaleReference("book reference without a product")).text
    assert text == "This button is out of date — run the search again."


def test_unexpected_errors_become_an_apology_with_the_incident_id() -> None:
    text = explain(KeyError("secret-ish internals"), incident_id="abc123").text
    assert "abc123" in text and "internals" not in text
