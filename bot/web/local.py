"""With BOOKABLE_ENV=local, point the embedded sandbox's webhook at this server."""

from __future__ import annotations

import asyncio
import logging

from bot.bookable.errors import BookableError
from bot.context import AppContext
from bot.service.webhook_admin import register

log = logging.getLogger(__name__)


async def register_local_webhook(ctx: AppContext, base: str, attempts: int = 50) -> None:
    # The sandbox is served by this very server, which accepts connections only after
    # start-up finishes; so retry briefly in the background.
    for _ in range(attempts):
        try:
            where = await register(ctx.bookable, ctx.store, base)
        except (BookableError, OSError):
            await asyncio.sleep(0.1)
            continue
        log.info("local sandbox webhook registered; secret stored in %s", where)
        return
    log.error("could not register the local sandbox webhook at %s", base)
