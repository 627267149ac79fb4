"""`bookable-bot outbox`: lists dead letters without their content, and retries them."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from bot.store import IncomingEvent, Store

from .test_cli import clean_env, run_cli

BODY_TEXT = "Table by the window, nut allergy"  # message content: never printed


def _event(booking_id: str, minutes: int) -> IncomingEvent:
    return IncomingEvent(
        booking_id=booking_id,
        status="cancelled",
        last_update=dt.datetime(2025, 6, 17, 10, minutes, tzinfo=dt.UTC),
        event_type="booking.updated",
        payload={"id": booking_id, "status": "cancelled", "notes": BODY_TEXT},
        venue_name=None,
        group_name=None,
    )


async def _outbox_with_dead_letters(url: str) -> list[int]:
    store = await Store.connect(url)
    try:
        await store.ingest_webhook([_event("29|CO|one", 1), _event("29|CO|two", 2)])
        jobs = await store.claim_outbox("w", limit=2, lease_seconds=30)
        reasons = (
            "Slack HTTP 500; gave up after 12 failures",
            "Slack error invalid_blocks (permanent)",
        )
        for job, reason in zip(jobs, reasons, strict=True):
            assert await store.kill_outbox(job.id, "w", reason)
        return [job.id for job in jobs]
    finally:
        await store.close()


def test_list_and_retry_dead_letters(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    first, second = asyncio.run(_outbox_with_dead_letters(url))
    # Neither Slack's settings nor Bookable's credentials: it only reads the database.
    env = clean_env(BOOKABLE_ENV="production", DATABASE_URL=url)

    listed = run_cli("outbox", cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "Outbox: 0 pending (0 retrying), 0 in flight, 0 done, 2 dead."
    assert lines[2].split() == ["ID", "BOOKING", "KIND", "ATTEMPTS", "AGE", "REASON"]
    rows = {line.split()[0]: line for line in lines[3:5]}
    assert "29|CO|one" in rows[str(first)] and "gave up after 12 failures" in rows[str(first)]
    assert "invalid_blocks (permanent)" in rows[str(second)]
    assert BODY_TEXT not in listed.stdout + listed.stderr

    assert run_cli("outbox", "retry", cwd=tmp_path, env=env).returncode == 2
    missing = run_cli("outbox", "retry", "999", cwd=tmp_path, env=env)
    assert missing.returncode == 1 and "No dead letter with id 999" in missing.stderr

    one = run_cli("outbox", "retry", str(first), cwd=tmp_path, env=env)
    assert one.returncode == 0 and one.stdout.startswith("1 dead letter(s) back to pending")
    listed = run_cli("outbox", "list", cwd=tmp_path, env=env)
    assert "1 pending (0 retrying)" in listed.stdout and "1 dead" in listed.stdout
    assert "29|CO|one" not in listed.stdout and "29|CO|two" in listed.stdout

    everything = run_cli("outbox", "retry", "--all", cwd=tmp_path, env=env)
    assert everything.returncode == 0 and everything.stdout.startswith("1 dead letter(s)")
    listed = run_cli("outbox", cwd=tmp_path, env=env)
    assert listed.stdout.splitlines() == [
        "Outbox: 2 pending (0 retrying), 0 in flight, 0 done, 0 dead.",
        "No dead letters.",
    ]
