"""Neither the client secret nor any access token may reach a log record or an exception."""

from __future__ import annotations

import logging
import traceback

import pytest

from bot.bookable.client import BookableClient
from bot.bookable.errors import BookableError, NotFound, TokenError, TransportError
from bot.bookable.models import VenueQuery
from bot.devtools.serving import free_port

from .conftest import ClientFactory
from .support import CLIENT_SECRET, Sandbox

WRONG_SECRET = "wr0ng-SECRET-value-5521aa"


def exception_text(error: BaseException) -> str:
    """Everything a handler could print: message, repr, fields, causes and the traceback."""
    parts = [str(error), repr(error), *map(str, vars(error).values())]
    parts += traceback.format_exception(error)
    return "\n".join(parts)


def record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), str(record.msg), repr(record.args), str(vars(record))]
    if record.exc_info and record.exc_info[1] is not None:
        parts += traceback.format_exception(record.exc_info[1])
    return "\n".join(parts)


async def expect_error(call: object) -> BookableError:
    with pytest.raises(BookableError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def test_secrets_stay_out_of_logs_and_exceptions(
    sandbox: Sandbox, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client: BookableClient = await make_client(sandbox.url, sandbox.auth_url)
    errors: list[BookableError] = []
    tokens: list[str] = []

    # Happy path, then a revoked token: one refresh and a retry.
    await client.search_venues(VenueQuery())
    tokens.append(await client.tokens.token())
    sandbox.revoke_tokens()
    await client.search_venues(VenueQuery())
    tokens.append(await client.tokens.token())
    registration = await client.register_webhook("http://127.0.0.1:9/hooks")

    # Problems: an API error, token endpoint failures, a dead network.
    errors.append(await expect_error(client.get_booking("29|CO|missing")))
    sandbox.knobs(token_failure=503)
    client.tokens.invalidate(tokens[-1])
    errors.append(await expect_error(client.search_venues(VenueQuery())))
    sandbox.knobs(token_failure=None)
    wrong = await make_client(sandbox.url, sandbox.auth_url, client_secret=WRONG_SECRET)
    errors.append(await expect_error(wrong.search_venues(VenueQuery())))
    dead = f"http://127.0.0.1:{free_port()}"
    errors.append(await expect_error(make_dead_call(await make_client(dead, dead + "/t"))))
    errors.append(await expect_error(make_dead_call(await make_client(dead, sandbox.auth_url))))

    assert [type(e) for e in errors] == [
        NotFound,
        TokenError,
        TokenError,
        TokenError,
        TransportError,
    ]
    assert errors[2].status == 401  # type: ignore[attr-defined]
    assert len(set(tokens)) == 2
    assert registration.data.secret_key

    secrets = [CLIENT_SECRET, WRONG_SECRET, registration.data.secret_key, *tokens]
    assert caplog.records, "the flows should have logged something at DEBUG"
    logged = "\n".join(record_text(record) for record in caplog.records) + caplog.text
    raised = "\n".join(exception_text(error) for error in errors)
    for secret in secrets:
        assert secret not in logged
        assert secret not in raised


def make_dead_call(client: BookableClient) -> object:
    return client.search_venues(VenueQuery())
