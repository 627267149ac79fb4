"""A root log capture that keeps every record, and the search for secrets in it."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Captured:
    level: int
    logger: str
    message: str
    exc_text: str

    @property
    def text(self) -> str:
        return f"{self.message}\n{self.exc_text}" if self.exc_text else self.message

    @property
    def is_unhandled(self) -> bool:
        """An ERROR (or worse) carrying a traceback: something nobody planned for."""
        return self.level >= logging.ERROR and bool(self.exc_text)


class LogCapture(logging.Handler):
    """Every record of every logger, formatted when emitted (args may change later).

    No redaction filter: secrets must never reach a record in the first place.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._records: list[Captured] = []
        self._mutex = threading.Lock()
        self._formatter = logging.Formatter()
        self._previous_level: int | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is still a record to scan
            message = f"{record.msg!r} % {record.args!r}"
        exc_text = ""
        if record.exc_info and record.exc_info[1] is not None:
            exc_text = self._formatter.formatException(record.exc_info)
        elif record.exc_text:
            exc_text = record.exc_text
        if record.stack_info:
            exc_text += "\n" + record.stack_info
        with self._mutex:
            self._records.append(Captured(record.levelno, record.name, message, exc_text))

    def install(self) -> None:
        root = logging.getLogger()
        self._previous_level = root.level
        root.setLevel(logging.DEBUG)
        root.addHandler(self)
        self.watch_uvicorn()

    def watch_uvicorn(self) -> None:
        """uvicorn's loggers do not propagate to the root (and every new server configures
        them afresh), yet "Exception in ASGI application" is logged there."""
        uvicorn = logging.getLogger("uvicorn")
        if self not in uvicorn.handlers:
            uvicorn.addHandler(self)

    def uninstall(self) -> None:
        root = logging.getLogger()
        root.removeHandler(self)
        logging.getLogger("uvicorn").removeHandler(self)
        if self._previous_level is not None:
            root.setLevel(self._previous_level)

    @property
    def records(self) -> list[Captured]:
        with self._mutex:
            return list(self._records)

    def unhandled(self) -> list[Captured]:
        return [record for record in self.records if record.is_unhandled]

    def mark(self) -> int:
        with self._mutex:
            return len(self._records)

    def since(self, mark: int) -> list[Captured]:
        with self._mutex:
            return self._records[mark:]


def secret_hits(
    secrets_by_name: dict[str, str], records: list[Captured], texts: list[str]
) -> list[str]:
    """Each place a secret appears: "<name> in a log record of <logger>" or "<name> in text
    sent to Slack" (never the value itself, so failures can be shown safely)."""
    found: list[str] = []
    for name, value in secrets_by_name.items():
        found += [f"{name} in a log record of {r.logger!r}" for r in records if value in r.text]
        found += [f"{name} in text sent to Slack" for text in texts if value in text]
    return found
