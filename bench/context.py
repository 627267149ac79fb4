"""What every scenario gets: the mode, the processes, and HTTP clients for load and control.

The sandbox and the fake Slack run once for the whole bench; each scenario starts from
`reset_fakes()` (seed data, zero counters, default knobs) and runs its own `serve`.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.baseline import PREVIOUS_MAIN
from bench.controls import FakeSlackControl, SandboxControl
from bench.cpu import CpuMeter
from bench.harness import Harness, Service


@dataclass
class BenchContext:
    quick: bool
    harness: Harness
    session: aiohttp.ClientSession
    workdir: Path
    postgres_url: str | None  # an asyncpg URL of a scratch database, when Postgres answers
    sandbox: Service
    fake: Service
    sandbox_ctl: SandboxControl
    fake_ctl: FakeSlackControl
    started: float = field(default_factory=time.monotonic)
    previous_main: str = PREVIOUS_MAIN  # the commit "today's main" in issue 10 means

    def say(self, message: str) -> None:
        """Progress on stderr; the table goes to stdout."""
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)

    def sqlite_url(self, name: str) -> str:
        return f"sqlite+aiosqlite:///{self.workdir / name}.db"

    async def reset_fakes(self, *, rate_per_channel: float | None = None, burst: int = 3) -> None:
        """Sandbox and fake Slack back to their seed state, with Slack's pace as given."""
        await self.sandbox_ctl.reset()
        await self.fake_ctl.reset()
        await self.fake_ctl.set_rate(rate_per_channel, burst)

    async def start_app(
        self,
        name: str,
        *,
        database_url: str | None = None,
        workers: int = 1,
        label: str = "app",
        **env: str,
    ) -> Service:
        """A fresh `serve` (on its own SQLite file unless given a database) against the
        shared sandbox and fake Slack; `env` adds settings such as NOTIFIER_CHANNEL_RATE;
        `label` names its memory peak."""
        return await self.harness.start_app(
            sandbox=self.sandbox,
            fake_slack=self.fake,
            database_url=database_url or self.sqlite_url(name),
            env=env,
            workers=workers,
            label=label,
        )

    def cpu_meter(self, *services: Service) -> CpuMeter:
        """Started meter over `services`, the sandbox, the fake Slack and this process."""
        chosen = [*services, self.sandbox, self.fake]
        return CpuMeter({s.name: s.process.pid for s in chosen}).start()

    @property
    def shared(self) -> tuple[Service, Service]:
        return self.sandbox, self.fake
