"""The browser playground: the whole app on loopback, driven from a Slack-like page.

`bookable-bot playground [--port 3000] [--open]` calls `run_playground`.
"""

from __future__ import annotations

import signal
import socket
import sys
import threading
import webbrowser
from types import FrameType

import uvicorn

from bot.devtools.playground.server import create_playground_app
from bot.devtools.playground.workspaces import add_second_workspace

HOST = "127.0.0.1"

__all__ = ["create_playground_app", "run_playground"]


def run_playground(port: int = 3000, open_browser: bool = False, workspaces: int = 1) -> int:
    """Serve the playground on 127.0.0.1:`port` until Ctrl-C; 0 on a clean stop.
    `workspaces=2`: the app in OAuth mode, installed in two workspaces."""
    if not _port_free(port):
        print(f"Port {port} is already in use; try --port {port + 1}.", file=sys.stderr)
        return 1
    from bot.devtools.stack import LocalStack  # imports the whole app: only when needed

    print("Starting the app, a local Bookable sandbox and a fake Slack…", flush=True)
    stack = LocalStack(oauth=workspaces > 1).start()
    two = add_second_workspace(stack) if workspaces > 1 else None
    url = f"http://{HOST}:{port}"
    config = uvicorn.Config(
        create_playground_app(stack, workspaces=two),
        host=HOST,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,  # live-update streams end at once
    )
    server = uvicorn.Server(config)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if open_browser:
            threading.Thread(target=_open_when_ready, args=(server, url), daemon=True).start()
        print(
            f"\n  Bookable playground: {url}"
            f"\n  Bookable sandbox API (documented webhooks only): {stack.sandbox_url}"
            f"\n  Fake Slack: {stack.slack_url}"
            "\n  (Ctrl-C to stop)\n",
            flush=True,
        )
        server.run()
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it handled once it has shut down
    finally:
        signal.signal(signal.SIGTERM, previous)
        stack.stop()
    print("Playground stopped.", flush=True)
    return 0 if server.started else 1


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As uvicorn binds: a port left in TIME_WAIT by a playground just stopped is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _open_when_ready(server: uvicorn.Server, url: str) -> None:
    for _ in range(200):
        if server.started:
            webbrowser.open(url)
            return
        threading.Event().wait(0.05)
