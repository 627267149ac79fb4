"""LOG_FORMAT=json: one parseable object per line, secrets masked, the request's id in it."""

from __future__ import annotations

import contextvars
import io
import json
import logging
import secrets
from collections.abc import Iterator

import pytest

from bot.config import LogFormat, SettingsError, load_settings
from bot.devtools.stack import LocalStack
from bot.logging_setup import MASK, log_handler, register_secret
from bot.observability.correlation import set_correlation_id
from tests.slack.flow import search


@pytest.fixture
def json_lines() -> Iterator[tuple[io.StringIO, logging.Logger]]:
    """A logger of its own writing JSON lines to a buffer."""
    stream = io.StringIO()
    logger = logging.getLogger(f"tests.json.{secrets.token_hex(4)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(log_handler("json", stream))
    yield stream, logger
    logger.handlers.clear()


def parsed(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_parse_and_never_carry_a_secret(
    json_lines: tuple[io.StringIO, logging.Logger],
) -> None:
    stream, logger = json_lines
    secret = "xoxb-json-" + secrets.token_hex(10)
    quoted = 'pa"ss\\word-' + secrets.token_hex(4)  # JSON would escape it: look in the values
    register_secret(secret)
    register_secret(quoted)

    def log_some() -> None:
        set_correlation_id("req-42")
        logger.warning("token %s refused; also %s", secret, quoted)
        try:
            raise RuntimeError(f"Slack said no to {secret}")
        except RuntimeError:
            logger.exception("call failed")

    contextvars.copy_context().run(log_some)  # the id stays in that context
    logger.info("outside any request")

    warning, failure, outside = parsed(stream)
    assert set(warning) == {"time", "level", "logger", "message", "correlation_id"}
    assert warning["level"] == "WARNING" and warning["logger"] == logger.name
    assert warning["message"] == f"token {MASK} refused; also {MASK}"
    assert warning["correlation_id"] == failure["correlation_id"] == "req-42"
    assert "RuntimeError: Slack said no to " + MASK in failure["exception"]
    assert "correlation_id" not in outside and "exception" not in outside
    assert warning["time"].endswith("+00:00")
    everything = stream.getvalue() + "".join(
        str(v) for line in parsed(stream) for v in line.values()
    )
    assert secret not in everything and quoted not in everything


def test_log_format_is_a_checked_setting() -> None:
    assert load_settings(need_slack=False, _env_file=None, bookable_env="local").log_format == (
        LogFormat.TEXT
    )
    chosen = load_settings(
        need_slack=False, _env_file=None, bookable_env="local", log_format="json"
    )
    assert chosen.log_format is LogFormat.JSON
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        load_settings(need_slack=False, _env_file=None, bookable_env="local", log_format="yaml")


async def test_one_correlation_id_follows_a_slack_request_into_bookable(
    stack: LocalStack,
) -> None:
    """Each /bookable search logs its Bookable call with its own id, and that id is the
    X-Correlation-ID the sandbox received for the call."""
    stream = io.StringIO()
    client_log = logging.getLogger("bot.bookable.client")
    handler, level = log_handler("json", stream), client_log.level
    client_log.addHandler(handler)
    client_log.setLevel(logging.DEBUG)
    try:
        await search(stack, "U_ALICE", "C_GENERAL", "search dishoom")
        await search(stack, "U_BOB", "C_GENERAL", "search hawksmoor")
    finally:
        client_log.removeHandler(handler)
        client_log.setLevel(level)

    searches = [
        line for line in parsed(stream) if line["message"].startswith("bookable GET /venues ")
    ]
    logged = {line["correlation_id"] for line in searches}
    assert len(logged) == 2, searches  # one id per Slack request, on each of its calls
    received = stack.sandbox_state()["received"]
    assert logged <= {r["correlation_id"] for r in received if r["path"].endswith("/venues")}
