"""Keep the booking modal consistent while several refreshes race.

Changing the date, then the party size quickly starts two availability lookups. Only the
newest may update the modal, and `views.update(hash=…)` must carry the newest hash we know:
on `hash_conflict` we retry once with the latest hash seen (from Slack's payloads or from our
own updates) instead of overwriting the view blindly.

What this remembers is per process and safe to miss. With several `serve` processes, the
steps of one modal may land on different processes; Slack's hash then does the ordering:
a refresh updates with the hash of the payload it answers, and a `hash_conflict` with no
newer hash of our own means another process (or the submit) changed the view since, so its
content stays. A payload sent before our last update carries a hash that update replaced:
`saw` ignores such a hash, so it can't hide the newer one. The memories are bounded LRU
caches: a burst of other modals evicts the least recently used views, never the one being
refreshed now.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

from cachetools import LRUCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.errors import HASH_CONFLICT, VIEW_GONE, error_code

log = logging.getLogger(__name__)
MAX_TRACKED = 5000
MAX_REPLACED = 8  # hashes remembered per view as replaced by our own updates


class ViewSync:
    def __init__(self) -> None:
        self._hashes: LRUCache[str, str] = LRUCache(MAX_TRACKED)
        self._latest: LRUCache[str, int] = LRUCache(MAX_TRACKED)
        self._replaced: LRUCache[str, tuple[str, ...]] = LRUCache(MAX_TRACKED)
        self._counter = itertools.count(1)

    def saw(self, view: dict[str, Any]) -> None:
        """Record the hash of a view Slack just showed us (payload or API answer)."""
        view_id, view_hash = view.get("id"), view.get("hash")
        if (
            isinstance(view_id, str)
            and isinstance(view_hash, str)
            and view_hash not in self._replaced.get(view_id, ())  # not older than ours
        ):
            self._hashes[view_id] = view_hash

    def begin(self, view_id: str) -> int:
        """Start a refresh; only the newest refresh for a view may write it."""
        ticket = next(self._counter)
        self._latest[view_id] = ticket
        return ticket

    def is_latest(self, view_id: str, ticket: int) -> bool:
        """A view this process does not remember has no newer refresh here."""
        return self._latest.get(view_id, ticket) == ticket

    async def update(
        self,
        client: AsyncWebClient,
        view_id: str,
        view: dict[str, Any],
        *,
        view_hash: str | None = None,
        ticket: int | None = None,
    ) -> bool:
        """`views.update`; False when the modal is gone or a newer refresh won."""
        attempt_hash = view_hash
        for _ in range(3):
            if ticket is not None and not self.is_latest(view_id, ticket):
                return False
            try:
                kwargs: dict[str, Any] = {"view_id": view_id, "view": view}
                if attempt_hash:
                    kwargs["hash"] = attempt_hash
                response = await client.views_update(**kwargs)
            except SlackApiError as error:
                code = error_code(error)
                if code in VIEW_GONE:  # the user closed the modal
                    return False
                latest = self._hashes.get(view_id)
                if code == HASH_CONFLICT and latest and latest != attempt_hash:
                    attempt_hash = latest
                    continue
                if code == HASH_CONFLICT:
                    log.info("view %s changed meanwhile; leaving the newer content", view_id)
                    return False
                raise
            replaced = attempt_hash or self._hashes.get(view_id)
            if replaced:
                kept = (*self._replaced.get(view_id, ()), replaced)
                self._replaced[view_id] = kept[-MAX_REPLACED:]
            self.saw(response.get("view") or {})
            return True
        return False
