"""What happens when a workspace removes the app (`app_uninstalled`, or its bot token
revoked): its installation is deleted, its unfinished notifications become dead letters
with the reason, and its data is kept or purged (UNINSTALL_DATA)."""

from __future__ import annotations

import logging

from bot.config import Settings, UninstallData
from bot.store import Store

log = logging.getLogger(__name__)


class WorkspaceRetirement:
    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._purge = settings.uninstall_data is UninstallData.PURGE

    async def retire(
        self, *, enterprise_id: str | None, team_id: str | None, org_wide: bool, why: str
    ) -> int:
        """Returns how many pending notifications became dead letters."""
        key_team = None if org_wide else team_id
        await self._store.delete_installation_row(enterprise_id, key_team)
        if org_wide and enterprise_id:
            teams = await self._store.teams_of_enterprise(enterprise_id)
            where = f"org {enterprise_id}"
        else:
            teams = [team_id] if team_id else []
            where = f"workspace {team_id}"
        killed = await self._store.retire_workspaces(teams, f"{where}: {why}", purge=self._purge)
        log.info(
            "%s: %s; installation deleted, %d pending notification(s) dead, data %s",
            where, why, killed, "purged" if self._purge else "kept",
        )  # fmt: skip
        return killed
