"""`bookable-bot outbox [list] | retry ID | retry --all`: the updates Slack never took.

Lists dead letters (id, booking, kind, attempts, age, reason: never a message body or a
secret) and puts them back to pending; a running `serve` then delivers them.
"""

from __future__ import annotations

import datetime as dt
import sys

from bot.config import Settings
from bot.store import DeadLetter, Store

MAX_REASON = 100


async def run_outbox_command(
    settings: Settings,
    action: str,
    *,
    job_id: int | None = None,
    retry_all: bool = False,
    limit: int = 50,
) -> int:
    store = await Store.connect(settings.database_url)
    try:
        if action == "retry":
            return await _retry(store, job_id, retry_all)
        return await _list(store, limit)
    finally:
        await store.close()


async def _list(store: Store, limit: int) -> int:
    stats = await store.outbox_stats()
    print(
        f"Outbox: {stats['pending']} pending ({stats['retrying']} retrying), "
        f"{stats['leased']} in flight, {stats['done']} done, {stats['dead']} dead."
    )
    dead = await store.list_dead_outbox(limit)
    if not dead:
        print("No dead letters.")
        return 0
    shown = f"the newest {len(dead)}" if len(dead) < stats["dead"] else "newest first"
    print(f"Dead letters ({shown}):")
    print(_table(dead, dt.datetime.now(dt.UTC)))
    print(
        "Retry one with `bookable-bot outbox retry ID`, all with `bookable-bot outbox retry --all`."
    )
    return 0


async def _retry(store: Store, job_id: int | None, retry_all: bool) -> int:
    if retry_all == (job_id is not None):
        print("usage: bookable-bot outbox retry ID | --all", file=sys.stderr)
        return 2
    revived = await store.retry_dead_outbox(None if retry_all else job_id)
    if job_id is not None and not revived:
        print(f"No dead letter with id {job_id}.", file=sys.stderr)
        return 1
    print(f"{revived} dead letter(s) back to pending; a running `serve` delivers them next.")
    return 0


def _table(dead: list[DeadLetter], now: dt.datetime) -> str:
    header = ("ID", "BOOKING", "KIND", "ATTEMPTS", "AGE", "REASON")
    rows = [
        (
            str(letter.id),
            letter.booking_id,
            letter.kind,
            str(letter.attempts),
            _age(now - letter.created_at),
            _clip(letter.reason),
        )
        for letter in dead
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    return "\n".join(
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  " + row[-1]
        for row in [header, *rows]
    )  # fmt: skip


def _age(elapsed: dt.timedelta) -> str:
    seconds = max(int(elapsed.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{seconds:02d}s"


def _clip(reason: str) -> str:
    line = " ".join(reason.split())
    return line if len(line) <= MAX_REASON else line[: MAX_REASON - 1] + "…"
