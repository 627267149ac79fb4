"""What every scenario gets: the mode, the process harness and an HTTP session for load."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.harness import Harness


@dataclass
class BenchContext:
    quick: bool
    harness: Harness
    session: aiohttp.ClientSession
    workdir: Path
    postgres_url: str | None  # an asyncpg URL of a scratch database, when Postgres answers
    started: float = field(default_factory=time.monotonic)

    def say(self, message: str) -> None:
        """Progress on stderr; the table goes to stdout."""
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)

    def sqlite_url(self, name: str) -> str:
        return f"sqlite+aiosqlite:///{self.workdir / name}.db"
