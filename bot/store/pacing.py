"""Per-channel send pacing shared by every serving process (`bot.notify.pacing`).

One GCRA "theoretical arrival time" per channel, in wall-clock seconds (every process
reads the same clock, give or take NTP), moved atomically in one upsert: Postgres locks
the row for the statement, SQLite has a single writer.
"""

from __future__ import annotations

from sqlalchemy import case, literal

from bot.store.core import StoreCore
from bot.store.schema import channel_pacing


class PacingMixin(StoreCore):
    async def reserve_channel_slot(
        self, channel_id: str, *, interval: float, tolerance: float, now: float
    ) -> float:
        """The next send slot in `channel_id` (wall-clock seconds, >= now) under GCRA with
        one message per `interval` and bursts of `tolerance / interval` messages."""
        tat = channel_pacing.c.tat
        insert = self._insert(channel_pacing).values(channel_id=channel_id, tat=now + interval)
        upsert = insert.on_conflict_do_update(
            index_elements=[tat.table.c.channel_id],
            set_={"tat": case((tat > now, tat), else_=literal(now)) + interval},
        ).returning(tat)
        async with self._write() as connection:
            new_tat = float((await connection.execute(upsert)).scalar_one())
        return max(now, new_tat - interval - tolerance)

    async def hold_channel(self, channel_id: str, until: float, *, tolerance: float) -> None:
        """Slack said 429: no slot in `channel_id` before `until` (wall-clock seconds)."""
        tat = channel_pacing.c.tat
        held = until + tolerance
        insert = self._insert(channel_pacing).values(channel_id=channel_id, tat=held)
        upsert = insert.on_conflict_do_update(
            index_elements=[tat.table.c.channel_id],
            set_={"tat": case((tat > held, tat), else_=literal(held))},
        )
        async with self._write() as connection:
            await connection.execute(upsert)
