"""`block_suggestion`: preorder choices when a venue offers more than a static select holds."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.context import AppContext
from bot.slack import ids
from bot.slack.blocks.modal import preorder_options
from bot.slack.ids import ModalMeta, StaleReference
from bot.slack.listeners.modal_flow import load_venue
from bot.slack.listeners.shared import Shared, log


def register(app: AsyncApp, ctx: AppContext, shared: Shared) -> None:
    @app.options(ids.PREORDERS.action_id)
    async def preorder_suggestions(ack: AsyncAck, body: dict[str, Any]) -> None:
        try:
            meta = ModalMeta.decode((body.get("view") or {}).get("private_metadata", ""))
            venue = await load_venue(ctx, meta)
            options = preorder_options(venue, str(body.get("value") or ""))
        except StaleReference as error:  # an old or forged modal: nothing to suggest
            log.info("preorder suggestions refused: %s", error)
            options = []
        except Exception:
            log.exception("preorder suggestions failed")
            options = []
        await ack(options=[o.to_dict() for o in options])
