"""A tiny real Bolt app that the driver tests talk to over signed HTTP."""

from __future__ import annotations

from typing import Any

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def option(value: str) -> dict[str, Any]:
    return {"text": plain(value.title()), "value": value}


def booking_modal(metadata: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "booking",
        "title": plain("Book a table"),
        "submit": plain("Book"),
        "notify_on_close": True,
        "private_metadata": metadata,
        "blocks": [
            {
                "type": "input",
                "block_id": "name",
                "label": plain("Name"),
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": 40},
            },
            {
                "type": "input",
                "block_id": "party",
                "label": plain("Party size"),
                "element": {
                    "type": "number_input",
                    "action_id": "value",
                    "is_decimal_allowed": False,
                },
            },
            {
                "type": "input",
                "block_id": "date",
                "label": plain("Date"),
                "element": {"type": "datepicker", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "time",
                "dispatch_action": True,
                "optional": True,
                "label": plain("Time"),
                "element": {
                    "type": "static_select",
                    "action_id": "pick_time",
                    "options": [option("lunch"), option("dinner")],
                },
            },
            {
                "type": "input",
                "block_id": "venue",
                "label": plain("Venue"),
                "element": {
                    "type": "external_select",
                    "action_id": "venue_search",
                    "min_query_length": 1,
                },
            },
            {
                "type": "input",
                "block_id": "email",
                "optional": True,
                "label": plain("Email"),
                "element": {"type": "email_text_input", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "extras",
                "optional": True,
                "label": plain("Extras"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [option("highchair")],
                },
            },
            {
                "type": "actions",
                "block_id": "tools",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "refresh",
                        "text": plain("Refresh"),
                        "value": "r",
                    }
                ],
            },
        ],
    }


class RecordingBoltApp:
    """Bolt listeners that record every payload they get, so tests can check exact shapes."""

    def __init__(self, *, token: str, signing_secret: str, slack_api_url: str) -> None:
        self.received: list[dict[str, Any]] = []
        client = AsyncWebClient(token=token, base_url=slack_api_url)
        self.bolt = AsyncApp(signing_secret=signing_secret, client=client)
        self._register()
        handler = AsyncSlackRequestHandler(self.bolt)

        async def events(request: Request) -> Response:
            return await handler.handle(request)

        self.asgi = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [body for body in self.received if body.get("type", "command") == kind]

    def _register(self) -> None:
        app = self.bolt

        @app.command("/bookable")
        async def command(
            ack: Any, body: dict[str, Any], client: AsyncWebClient, respond: Any
        ) -> None:
            self.received.append({"type": "command", **body})
            if body["text"] == "post":
                await ack()
                await respond(
                    response_type="in_channel",
                    text="Pick one",
                    blocks=[
                        {
                            "type": "actions",
                            "block_id": "choice",
                            "elements": [
                                {
                                    "type": "button",
                                    "action_id": "take",
                                    "text": plain("Take"),
                                    "value": "slot-1",
                                }
                            ],
                        }
                    ],
                )
                return
            if body["text"] == "help":
                await ack(text="Try /bookable book")
                return
            await ack()
            await client.views_open(trigger_id=body["trigger_id"], view=booking_modal(body["text"]))

        @app.shortcut("book_table")
        async def global_shortcut(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
            await ack()
            self.received.append(body)
            await client.views_open(trigger_id=body["trigger_id"], view=booking_modal("shortcut"))

        @app.shortcut("book_here")
        async def message_shortcut(ack: Any, body: dict[str, Any], respond: Any) -> None:
            await ack()
            self.received.append(body)
            await respond(text=f"Booking for <#{body['channel']['id']}>")

        @app.event("app_home_opened")
        async def home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
            self.received.append(event)
            opened = len([e for e in self.received if e.get("type") == "app_home_opened"])
            await client.views_publish(
                user_id=event["user"],
                view={
                    "type": "home",
                    "blocks": [
                        {"type": "section", "text": {"type": "mrkdwn", "text": f"Visit {opened}"}},
                        {
                            "type": "actions",
                            "elements": [
                                {"type": "button", "action_id": "take", "text": plain("Take")}
                            ],
                        },
                    ],
                },
            )

        @app.action("take")
        async def take(ack: Any, body: dict[str, Any], respond: Any) -> None:
            await ack()
            self.received.append(body)
            await respond(replace_original=True, text=f"Taken by <@{body['user']['id']}>")

        @app.action("refresh")
        @app.action("pick_time")
        async def refresh(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
            await ack()
            self.received.append(body)
            view = body["view"]
            updated = booking_modal(view["private_metadata"])
            updated["title"] = plain("Refreshed")
            await client.views_update(view_id=view["id"], hash=view["hash"], view=updated)

        @app.options("venue_search")
        async def venues(ack: Any, body: dict[str, Any]) -> None:
            self.received.append(body)
            query = body["value"].lower()
            await ack(
                options=[option(v) for v in ("bistro", "brasserie", "cafe") if v.startswith(query)]
            )

        @app.view("booking")
        async def submitted(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
            self.received.append(body)
            values = body["view"]["state"]["values"]
            party = int(values["party"]["value"]["value"])
            if party > 10:
                await ack(response_action="errors", errors={"party": "At most 10 people"})
            elif party == 9:
                await ack(response_action="errors", errors={"tools": "not an input block"})
            elif party == 7:
                confirm = {
                    "type": "modal",
                    "callback_id": "confirm",
                    "title": plain("Sure?"),
                    "submit": plain("Yes"),
                    "blocks": [
                        {"type": "section", "text": {"type": "mrkdwn", "text": "7 people?"}}
                    ],
                }
                await ack(response_action="push", view=confirm)
            elif party == 8:
                await ack(
                    response_action="update",
                    view={**booking_modal("again"), "title": plain("Check again")},
                )
            else:
                await ack()
                name = values["name"]["value"]["value"]
                await client.chat_postMessage(channel="C_GENERAL", text=f"Booked for {name}")

        @app.view("confirm")
        async def confirmed(ack: Any, body: dict[str, Any]) -> None:
            self.received.append(body)
            await ack(response_action="clear")

        @app.view_closed("booking")
        async def closed(ack: Any, body: dict[str, Any]) -> None:
            await ack()
            self.received.append(body)
