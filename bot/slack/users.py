"""Who is clicking: name, email and time zone for the modal, admin rights for cancel.

`users.info` answers are cached briefly; a failure returns None (callers fall back: empty
fields, UTC, "not an admin") because a Slack hiccup must not block a booking.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cachetools import TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)
CACHE_SECONDS = 600.0
CACHE_SIZE = 5000


@dataclass(frozen=True)
class SlackUser:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""  # the profile's, as typed there
    tz: str | None = None
    is_admin: bool = False

    @classmethod
    def from_api(cls, user: dict[str, Any]) -> SlackUser:
        profile = user.get("profile") or {}
        first = (profile.get("first_name") or "").strip()
        last = (profile.get("last_name") or "").strip()
        if not first and not last:
            real = (profile.get("real_name") or user.get("real_name") or "").split()
            first, last = (real[0], " ".join(real[1:])) if real else ("", "")
        return cls(
            id=str(user.get("id", "")),
            first_name=first,
            last_name=last,
            email=(profile.get("email") or "").strip(),
            phone=(profile.get("phone") or "").strip(),
            tz=user.get("tz") or None,
            is_admin=bool(
                user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
            ),
        )


def today_in(tz: str | None, now: datetime | None = None) -> date:
    """The date for someone in `tz` (UTC if unknown)."""
    moment = now or datetime.now(UTC)
    try:
        zone = ZoneInfo(tz) if tz else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return moment.astimezone(zone).date()


class UserDirectory:
    def __init__(self, client: AsyncWebClient, *, ttl: float = CACHE_SECONDS) -> None:
        self._client = client
        self._cache: TTLCache[str, SlackUser] = TTLCache(CACHE_SIZE, ttl)

    async def get(self, user_id: str, client: AsyncWebClient | None = None) -> SlackUser | None:
        cached = self._cache.get(user_id)
        if cached is not None:
            return cached
        try:
            response = await (client or self._client).users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return None
        user = SlackUser.from_api(response.get("user") or {})
        self._cache[user_id] = user
        return user
