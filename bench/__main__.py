"""`python -m bench [--quick] [--only NAME ...]`: run the benchmarks, print the table and
write `bench/results.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import FrameType, ModuleType

from bench import postgres
from bench.baseline import PREVIOUS_MAIN
from bench.context import BenchContext
from bench.controls import FakeSlackControl, SandboxControl
from bench.harness import Harness, RssSampler
from bench.load import new_session
from bench.report import RESULTS_PATH, Metric, ScenarioResult, table, write_results
from bench.scenarios import (
    ack_latency,
    search_rate_limit,
    token_single_flight,
    webhook_ingest,
    webhook_to_slack,
    workers,
)

SCENARIOS: dict[str, ModuleType] = {
    "ack": ack_latency,
    "token": token_single_flight,
    "ingest": webhook_ingest,
    "notify": webhook_to_slack,
    "search": search_rate_limit,
    "workers": workers,
}
MEMORY_GOAL_MB = 150
FAKE_USERS = 120
FAKE_CHANNELS = 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (under a minute)")
    parser.add_argument(
        "--only", nargs="+", choices=sorted(SCENARIOS), help="run only these scenarios"
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="results JSON path")
    parser.add_argument(
        "--previous-main",
        default=PREVIOUS_MAIN,
        metavar="COMMIT",
        help="the older main to compare searches per CPU-second with (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    chosen = [SCENARIOS[name] for name in (args.only or SCENARIOS)]
    with _terminate_cleanly(), tempfile.TemporaryDirectory(prefix="bookable-bench-") as tmp:
        rss = RssSampler().start()
        harness = Harness(Path(tmp), rss)
        started = time.monotonic()
        try:
            results = asyncio.run(
                _run_all(chosen, harness, quick=args.quick, previous_main=args.previous_main)
            )
        except KeyboardInterrupt:
            print("interrupted: no results written", file=sys.stderr)
            return 130
        finally:
            harness.close()
            rss.stop()
        results.append(_memory(rss))
        seconds = time.monotonic() - started
    print(table(results))
    path = write_results(results, quick=args.quick, seconds=seconds, path=args.output)
    print(f"\n{'quick' if args.quick else 'full'} run took {seconds:.0f} s; results in {path}")
    return 0 if all(r.error is None for r in results) else 1


async def _run_all(
    scenarios: list[ModuleType], harness: Harness, *, quick: bool, previous_main: str
) -> list[ScenarioResult]:
    url = postgres.configured_url()
    has_postgres = await postgres.available(url)
    sandbox, fake = await asyncio.gather(
        harness.start_sandbox(),
        harness.start_fake_slack(users=FAKE_USERS, channels=FAKE_CHANNELS),
    )
    results: list[ScenarioResult] = []
    async with (
        new_session() as session,
        contextlib.aclosing(SandboxControl(sandbox.url)) as sandbox_ctl,
        contextlib.aclosing(FakeSlackControl(fake.url)) as fake_ctl,
    ):
        ctx = BenchContext(
            quick, harness, session, harness.workdir, url if has_postgres else None,
            sandbox, fake, sandbox_ctl, fake_ctl, previous_main=previous_main,
        )  # fmt: skip
        if not has_postgres:
            ctx.say("Postgres does not answer: the Postgres ingest figure is skipped")
        for scenario in scenarios:
            ctx.say(f"scenario: {scenario.NAME}")
            await ctx.reset_fakes()
            results.append(await _run_one(ctx, scenario.NAME, scenario.run))
    return results


async def _run_one(
    ctx: BenchContext, name: str, run: Callable[[BenchContext], Awaitable[ScenarioResult]]
) -> ScenarioResult:
    # Other work on the machine skews every figure: keep the load it started under.
    load = [round(value, 2) for value in os.getloadavg()]
    try:
        result = await run(ctx)
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        result = ScenarioResult(name, error=f"{type(error).__name__}: {error}"[:300])
    finally:
        ctx.harness.close(keep=ctx.shared)  # whatever the scenario left running
    result.details["loadavg_at_start"] = load
    return result


def _memory(rss: RssSampler) -> ScenarioResult:
    result = ScenarioResult("memory", [_serve_peak(rss)])
    several = rss.peaks.get("app-2w")  # bench.scenarios.workers: serve --workers 2
    if several is not None and several.samples:
        ours = several.largest_process_bytes / 2**20
        result.metrics.append(
            Metric(
                "peak RSS per process, serve --workers 2",
                ours,
                None,
                "MB",
                f"< {MEMORY_GOAL_MB} MB",
                ours < MEMORY_GOAL_MB,
                f"largest single process (supervisor or worker), sampled every 100 ms; "
                f"all together peaked at {several.peak_bytes / 2**20:.0f} MB",
            )
        )
    return result


def _serve_peak(rss: RssSampler) -> Metric:
    peak = rss.peaks.get("app")
    if peak is None or not peak.samples:
        return Metric("peak RSS of serve", None, None, "MB", f"< {MEMORY_GOAL_MB} MB", None,
                      "not measured: no chosen scenario ran the app")  # fmt: skip
    ours = peak.peak_bytes / 2**20
    bare = rss.peaks.get("bare-app")
    baseline = bare.peak_bytes / 2**20 if bare and bare.samples else None
    return Metric(
        "peak RSS of serve",
        ours,
        baseline,
        "MB",
        f"< {MEMORY_GOAL_MB} MB",
        ours < MEMORY_GOAL_MB,
        f"max over every one-worker serve process, sampled every 100 ms ({peak.samples} "
        "samples); baseline: the bare Bolt app",
    )


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so every subprocess is still stopped."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
