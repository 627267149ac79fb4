"""Logging with a last line of defence: any registered secret is masked in every record.

Text (the default) or, with LOG_FORMAT=json, one JSON object per line: time, level,
logger, message, correlation_id (the request's, when there is one) and exception.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

from bot.observability.correlation import current_correlation_id

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "[redacted]"


def register_secret(value: str | None) -> None:
    """Mask `value` wherever it would appear in a log record. Short values are ignored."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)


def register_secrets(values: Iterable[str | None]) -> None:
    for value in values:
        register_secret(value)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line. Secrets are masked here too, after the filter: the
    exception text and stack are formatted late, and must never carry one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        correlation_id = current_correlation_id()
        if correlation_id:
            line["correlation_id"] = correlation_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = redact(record.exc_text)
        if record.stack_info:
            line["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_handler(log_format: str = "text", stream: TextIO | None = None) -> logging.Handler:
    """A handler (stderr by default) in `log_format` ("text" or "json") that masks secrets."""
    handler = logging.StreamHandler(stream)
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter())
    return handler


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    root = logging.getLogger()
    root.handlers[:] = [log_handler(log_format)]
    root.setLevel(level.upper())
    # httpx logs full URLs at INFO; keep it quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # Alembic ≥ 1.16 logs "setup plugin …" at INFO on every migration run: noise.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    bolt = logging.getLogger("slack_bolt")
    if not any(isinstance(f, BoltTokenNoise) for f in bolt.filters):
        bolt.addFilter(BoltTokenNoise())


class BoltTokenNoise(logging.Filter):
    """Bolt warns "token will be unused" whenever SLACK_BOT_TOKEN is set and a client is
    given: we give the client (built with that very token) on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()
