"""Process management: the app, the sandbox, the fake Slack and the bare baseline, each a
real subprocess on a free loopback port, started, health-checked and always stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx
import psutil

from bot.devtools.serving import free_port

HOST = "127.0.0.1"
# Made-up credentials: everything runs against local fakes.
SLACK_BOT_TOKEN = "xoxb-bench-token"
SLACK_SIGNING_SECRET = "bench-signing-secret"
WEBHOOK_SECRET = "bench-webhook-secret"
SANDBOX_CLIENT_ID = "local-client"
SANDBOX_CLIENT_SECRET = "local-secret"
# Inherited variables that would change how the app or sandbox behaves.
_SCRUBBED_PREFIXES = ("SLACK_", "BOOKABLE_", "NOTIFIER_", "DATABASE_URL", "BOT_", "PUBLIC_URL")
START_TIMEOUT = 30.0


@dataclass(eq=False)
class Service:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 3.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@dataclass
class RssPeak:
    peak_bytes: int = 0  # a watched process with its children
    largest_process_bytes: int = 0  # any single one of them (a worker of `serve --workers N`)
    samples: int = 0


class RssSampler:
    """Samples the resident memory of watched processes (with their children) every 100 ms."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peaks: dict[str, RssPeak] = {}
        self._watched: dict[int, tuple[str, psutil.Process]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def watch(self, label: str, pid: int) -> None:
        with contextlib.suppress(psutil.Error), self._lock:
            self._watched[pid] = (label, psutil.Process(pid))
            self.peaks.setdefault(label, RssPeak())

    def unwatch(self, pid: int) -> None:
        with self._lock:
            self._watched.pop(pid, None)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                watched = list(self._watched.items())
            for pid, (label, process) in watched:
                try:
                    each = [process.memory_info().rss]
                    each += [child.memory_info().rss for child in process.children(True)]
                except psutil.Error:
                    self.unwatch(pid)
                    continue
                peak = self.peaks[label]
                peak.peak_bytes = max(peak.peak_bytes, sum(each))
                peak.largest_process_bytes = max(peak.largest_process_bytes, *each)
                peak.samples += 1


def _clean_env(extra: dict[str, str], *, checkout: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(_SCRUBBED_PREFIXES)}
    env.update(extra)
    env["PYTHONUNBUFFERED"] = "1"
    # `bench` is not installed: the helper servers import it from the repository. An older
    # checkout's `bot` comes first, ahead of this one's (and of the editable install).
    first = [str(checkout)] if checkout else []
    paths = [*first, _repo_root(), os.environ.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    return env


def _spawn(
    argv: list[str], cwd: Path, env: dict[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """Start a child with its output in `log_path` (fork/exec only: does not block)."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches only us; we stop them ourselves
        )


def _bookable_bot() -> list[str]:
    script = shutil.which("bookable-bot", path=str(Path(sys.executable).parent))
    script = script or shutil.which("bookable-bot")
    return [script] if script else [sys.executable, "-m", "bot"]


@dataclass
class Harness:
    """Starts services in `workdir` (their cwd, so no `.env` is picked up) and stops them all."""

    workdir: Path
    rss: RssSampler
    services: list[Service] = field(default_factory=list)

    async def start(
        self,
        name: str,
        argv: list[str],
        port: int,
        *,
        env: dict[str, str] | None = None,
        health_path: str = "/healthz",
        watch_memory: bool = False,
        checkout: Path | None = None,
    ) -> Service:
        log_path = self.workdir / f"{name}-{port}.log"
        process = _spawn(argv, self.workdir, _clean_env(env or {}, checkout=checkout), log_path)
        service = Service(name, f"http://{HOST}:{port}", process, log_path)
        self.services.append(service)
        if watch_memory:
            self.rss.watch(name, process.pid)
        await self._wait_healthy(service, health_path)
        return service

    async def _wait_healthy(self, service: Service, path: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as http:
            while time.monotonic() < deadline:
                if not service.alive():
                    raise RuntimeError(
                        f"{service.name} exited with {service.process.returncode}:\n"
                        + service.log_tail()
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(service.url + path)).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError(
            f"{service.name} not healthy after {START_TIMEOUT:g} s:\n" + service.log_tail()
        )

    async def start_sandbox(self) -> Service:
        port = free_port(HOST)
        argv = [*_bookable_bot(), "sandbox", "--host", HOST, "--port", str(port)]
        return await self.start(
            "sandbox", argv, port, env={"LOG_LEVEL": "WARNING"}, health_path="/_control/state"
        )

    async def start_fake_slack(
        self,
        *,
        rate_per_channel: float | None = None,
        burst: int = 3,
        users: int = 120,
        channels: int = 0,
    ) -> Service:
        port = free_port(HOST)
        argv = [
            sys.executable, "-m", "bench.fake_slack_server", "--host", HOST,
            "--port", str(port), "--bot-token", SLACK_BOT_TOKEN,
            "--signing-secret", SLACK_SIGNING_SECRET, "--burst", str(burst),
            "--users", str(users), "--channels", str(channels),
        ]  # fmt: skip
        if rate_per_channel:
            argv += ["--rate-per-channel", str(rate_per_channel)]
        return await self.start("fake-slack", argv, port, health_path="/_bench/stats")

    async def start_app(
        self,
        *,
        sandbox: Service,
        fake_slack: Service,
        database_url: str,
        env: dict[str, str] | None = None,
        workers: int = 1,
        label: str = "app",
        checkout: Path | None = None,
    ) -> Service:
        """`bookable-bot serve --workers N` as an operator would run it against Bookable's
        sandbox; `label` names its memory peak. With `checkout` (a directory holding an
        older commit's `bot/`), that version's `serve` runs instead, on one worker (older
        versions have no `--workers`)."""
        port = free_port(HOST)
        app_env = {
            "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
            "SLACK_API_URL": f"{fake_slack.url}/api/",
            "BOOKABLE_ENV": "sandbox",
            "BOOKABLE_API_URL": sandbox.url,
            "BOOKABLE_AUTH_URL": f"{sandbox.url}/oauth/token",
            "BOOKABLE_CLIENT_ID": SANDBOX_CLIENT_ID,
            "BOOKABLE_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "BOOKABLE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "DATABASE_URL": database_url,
            "HOST": HOST,
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        argv = [sys.executable, "-m", "bot"] if checkout else _bookable_bot()
        argv += ["serve", "--host", HOST, "--port", str(port)]
        if checkout is None:
            argv += ["--workers", str(workers)]
        return await self.start(
            label, argv, port, env=app_env, watch_memory=True, checkout=checkout
        )

    async def start_bare_app(self, *, fake_slack: Service) -> Service:
        port = free_port(HOST)
        argv = [sys.executable, "-m", "bench.bare_app", "--host", HOST, "--port", str(port)]
        env = {
            "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
            "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
            "SLACK_API_URL": f"{fake_slack.url}/api/",
        }
        return await self.start("bare-app", argv, port, env=env, watch_memory=True)

    def stop(self, service: Service) -> None:
        self.rss.unwatch(service.process.pid)
        service.stop()

    def close(self, *, keep: Collection[Service] = ()) -> None:
        """Stop every service this harness started but `keep`, newest first, even if one
        fails to stop."""
        for service in reversed(self.services):
            if service not in keep:
                with contextlib.suppress(Exception):
                    self.stop(service)
        self.services = [service for service in self.services if service in keep]

    def __enter__(self) -> Harness:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _repo_root() -> str:
    return str(Path(__file__).resolve().parent.parent)
