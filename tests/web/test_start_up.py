"""What the serving app does once it has started."""

from __future__ import annotations

import gc

import httpx

from bot.devtools.stack import LocalStack


def test_start_up_objects_are_kept_out_of_the_garbage_collector() -> None:
    """They live as long as the process: a full collection under load must not walk them
    (it paused every ack for 50 to 400 ms)."""
    gc.unfreeze()
    try:
        with LocalStack() as stack:
            assert gc.get_freeze_count() > 0
            assert httpx.get(f"{stack.app_url}/healthz").status_code == 200  # and serves on
    finally:
        gc.unfreeze()
