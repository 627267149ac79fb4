"""`run_playground` as the CLI runs it: serves on the given loopback port, Ctrl-C exits 0."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from bot.devtools.playground import _port_free
from bot.devtools.serving import free_port

SCRIPT = (
    "from bot.devtools.playground import run_playground\n"
    "raise SystemExit(run_playground(port={port}))"
)


def wait_for_page(
    url: str, process: subprocess.Popen[str], timeout: float = 30.0
) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the playground exited early: {process.communicate()}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("the playground did not start serving")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serves_then_stops_cleanly(stop: signal.Signals) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT.format(port=port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = wait_for_page(f"http://127.0.0.1:{port}/", process)
        assert page.status_code == 200
        state = httpx.get(f"http://127.0.0.1:{port}/api/state?user=U_BOB", timeout=5).json()
        assert state["views"] == []
        # an open live-update stream must not hold up the shutdown
        with httpx.stream("GET", f"http://127.0.0.1:{port}/api/events", timeout=5) as events:
            next(events.iter_lines())
            process.send_signal(stop)
            out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"http://127.0.0.1:{port}" in out
    assert "Playground stopped." in out
    assert "Traceback" not in err


def test_busy_port_is_reported() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT.format(port=port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 1
    assert f"Port {port} is already in use" in done.stderr


def test_a_port_left_in_time_wait_by_a_stopped_playground_is_free() -> None:
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            served, _ = listener.accept()
            served.close()  # the server closes first: its side waits in TIME_WAIT
            assert client.recv(1) == b""
    assert _port_free(port)
