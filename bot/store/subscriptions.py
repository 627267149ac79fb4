"""Channel subscriptions to booking updates, filtered by venue, group and status."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.engine import Row

from bot.store.core import StoreCore
from bot.store.records import Subscription
from bot.store.schema import subscriptions

_COLUMNS = [
    subscriptions.c.id,
    subscriptions.c.team_id,
    subscriptions.c.channel_id,
    subscriptions.c.venue,
    subscriptions.c.group_name.label("group"),
    subscriptions.c.status,
    subscriptions.c.created_by,
    subscriptions.c.created_at,
]


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _filter_key(venue: str | None, group: str | None, status: str | None) -> str:
    """Equal for filters that match the same events (venue and group ignore case)."""
    return json.dumps(
        [
            venue.casefold() if venue else None,
            group.casefold() if group else None,
            status,
        ]
    )


def _subscription(row: Row[Any]) -> Subscription:
    return Subscription(**row._asdict())


def _contains(filter_value: str | None, name: str | None) -> bool:
    return filter_value is None or (name is not None and filter_value.casefold() in name.casefold())


class SubscriptionsMixin(StoreCore):
    async def add_subscription(
        self,
        team_id: str,
        channel_id: str,
        *,
        created_by: str,
        venue: str | None = None,
        group: str | None = None,
        status: str | None = None,
    ) -> Subscription:
        """Subscribe a channel; adding the same filters again returns the existing one."""
        venue, group, status = _clean(venue), _clean(group), _clean(status)
        status = status.lower() if status else None
        key = _filter_key(venue, group, status)
        add = (
            self._insert(subscriptions)
            .values(
                team_id=team_id,
                channel_id=channel_id,
                venue=venue,
                group_name=group,
                status=status,
                filter_key=key,
                created_by=created_by,
                created_at=self._now(),
            )
            .on_conflict_do_nothing(
                index_elements=[
                    subscriptions.c.team_id,
                    subscriptions.c.channel_id,
                    subscriptions.c.filter_key,
                ]
            )
        )
        stored = select(*_COLUMNS).where(
            subscriptions.c.team_id == team_id,
            subscriptions.c.channel_id == channel_id,
            subscriptions.c.filter_key == key,
        )
        async with self._write() as connection:
            await connection.execute(add)
            row = (await connection.execute(stored)).one()
        return _subscription(row)

    async def remove_subscriptions(
        self,
        team_id: str,
        channel_id: str,
        *,
        venue: str | None = None,
        group: str | None = None,
        status: str | None = None,
    ) -> int:
        """With filters: remove the subscription with exactly those filters (venue and
        group ignore case). Without: remove all of the channel's. Returns how many."""
        venue, group, status = _clean(venue), _clean(group), _clean(status)
        statement = delete(subscriptions).where(
            subscriptions.c.team_id == team_id, subscriptions.c.channel_id == channel_id
        )
        if venue or group or status:
            key = _filter_key(venue, group, status.lower() if status else None)
            statement = statement.where(subscriptions.c.filter_key == key)
        async with self._write() as connection:
            return (await connection.execute(statement)).rowcount

    async def remove_subscription(
        self, team_id: str, channel_id: str, subscription_id: int
    ) -> Subscription | None:
        """Remove one subscription of the channel by id; the removed one, or None when it
        is gone already (a double click) or belongs elsewhere (a forged id)."""
        where = (
            subscriptions.c.id == subscription_id,
            subscriptions.c.team_id == team_id,
            subscriptions.c.channel_id == channel_id,
        )
        async with self._write() as connection:
            row = (await connection.execute(select(*_COLUMNS).where(*where))).one_or_none()
            if row is None:
                return None
            removed = (await connection.execute(delete(subscriptions).where(*where))).rowcount
        return _subscription(row) if removed else None

    async def list_subscriptions(
        self, team_id: str, channel_id: str | None = None
    ) -> list[Subscription]:
        """A team's subscriptions (or one channel's), oldest first."""
        query = select(*_COLUMNS).where(subscriptions.c.team_id == team_id)
        if channel_id is not None:
            query = query.where(subscriptions.c.channel_id == channel_id)
        async with self._read() as connection:
            rows = (await connection.execute(query.order_by(subscriptions.c.id))).all()
        return [_subscription(row) for row in rows]

    async def matching_subscriptions(
        self, *, venue_name: str | None, group_name: str | None, status: str | None
    ) -> list[Subscription]:
        """Subscriptions whose every filter matches: venue and group as case-insensitive
        substrings of the event's names, status exactly (case-insensitive)."""
        status = status.strip().lower() if status else None
        query = select(*_COLUMNS).order_by(subscriptions.c.id)
        query = query.where(
            or_(subscriptions.c.status.is_(None), subscriptions.c.status == status)
            if status
            else subscriptions.c.status.is_(None)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).all()
        # Substring matching happens here: SQL lower()/LIKE differ between dialects (SQLite
        # folds ASCII only, and % or _ in a venue name would need escaping).
        return [
            _subscription(row)
            for row in rows
            if _contains(row.venue, venue_name) and _contains(row.group, group_name)
        ]
