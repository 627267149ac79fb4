"""With PROMETHEUS_MULTIPROC_DIR, /metrics adds up the series of every process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(code: str, multiproc_dir: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_series_of_several_processes_add_up(tmp_path: Path) -> None:
    record = (
        "from bot.observability.metrics import record_bookable_call, observe_ack\n"
        "record_bookable_call('GET', '/venues', 200)\n"
        "observe_ack('command', 0.02)\n"
    )
    run(record, tmp_path)
    run(record, tmp_path)
    scraped = run(
        "from bot.observability.metrics import render; print(render()[0].decode())", tmp_path
    )
    assert 'bookable_api_calls_total{method="GET",route="/venues",status="200"} 2.0' in scraped
    assert 'bookable_slack_ack_seconds_count{kind="command"} 2.0' in scraped
