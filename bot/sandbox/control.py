"""`/_control/*`: test and playground hooks (no auth; never exposed outside dev/test)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.sandbox.parsing import describe, json_object
from bot.sandbox.problems import BOOKING_NOT_FOUND, Problem, invalid
from bot.sandbox.state import CONTRACT_KNOBS, ContractKnobs, SandboxState

ModelT = TypeVar("ModelT", bound=BaseModel)

# control status → (Bookings API status, webhook status, event type, default reason)
VENUE_ACTIONS: dict[str, tuple[str, str, str, str]] = {
    "confirmed": ("Confirmed", "confirmed", "booking.updated", "Confirmed by the venue"),
    "declined": ("Cancelled", "cancelled", "booking.cancelled", "Declined by the venue"),
    "cancelled": ("Cancelled", "cancelled", "booking.cancelled", "Cancelled by the venue"),
    "no_show": ("Lost", "no_show", "booking.updated", "The guest did not arrive"),
    "completed": ("Confirmed", "completed", "booking.updated", "The guest has dined"),
}


class FailNext(BaseModel):
    count: int = Field(ge=0)
    status: int = Field(default=503, ge=400, le=599)


class LoseNextAnswer(BaseModel):
    """The next `count` creates book the table, then answer with a 2xx body that is not
    JSON (`garbage`) or a bare 500 without `code` or `isRetryable` (`error_500`)."""

    count: int = Field(ge=0)
    answer: Literal["garbage", "error_500"] = "garbage"


class KnobUpdate(BaseModel):
    """A `/_control/knobs` body without its contract knobs (those are checked by
    `ContractKnobs`, in `ControlApi.knobs`). Null or absent leaves a knob as it is, except
    `token_failure`, where null means working again."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: float | None = Field(default=None, ge=0)
    fail_next: FailNext | None = None
    rate_limit_next: int | None = Field(default=None, ge=0)
    token_failure: int | None = Field(default=None, ge=400, le=599)  # null: working again
    token_ttl: int | None = Field(default=None, gt=0)
    rate_limit: int | None = Field(default=None, ge=1)
    lose_next_answer: LoseNextAnswer | None = None


class ClockMove(BaseModel):
    advance: float = Field(default=0, ge=0)


class VenueAction(BaseModel):
    status: Literal["confirmed", "declined", "cancelled", "no_show", "completed"]
    reason: str | None = Field(default=None, max_length=500)


def _parse(model: type[ModelT], body: dict[str, Any]) -> ModelT:
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise invalid(describe(error)) from None


async def _body(request: Request) -> dict[str, Any]:
    return await json_object(request) if await request.body() else {}


class ControlApi:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def snapshot(self, request: Request) -> Response:
        return JSONResponse(self.state.snapshot())

    async def knobs(self, request: Request) -> Response:
        body = await _body(request)
        contract = {k: v for k, v in body.items() if k in CONTRACT_KNOBS and v is not None}
        update = _parse(KnobUpdate, {k: v for k, v in body.items() if k not in CONTRACT_KNOBS})
        knobs = self.state.knobs
        # All of it is checked before any of it applies: a bad value changes nothing.
        changed = _parse(ContractKnobs, {**knobs.contract.model_dump(), **contract})
        given = update.model_fields_set
        knobs.contract = changed
        if update.latency_ms is not None:
            knobs.latency_ms = update.latency_ms
        if update.fail_next is not None:
            knobs.fail_next_count = update.fail_next.count
            knobs.fail_next_status = update.fail_next.status
        if update.rate_limit_next is not None:
            knobs.rate_limit_next = update.rate_limit_next
        if "token_failure" in given:
            knobs.token_failure = update.token_failure
        if update.token_ttl is not None:
            knobs.token_ttl = update.token_ttl
        if update.rate_limit is not None:
            knobs.rate_limit = update.rate_limit
        if update.lose_next_answer is not None:
            knobs.lose_next_answer_count = update.lose_next_answer.count
            knobs.lose_next_answer = update.lose_next_answer.answer
        return JSONResponse(knobs.to_json())

    async def clock(self, request: Request) -> Response:
        move = _parse(ClockMove, await _body(request))
        self.state.clock.advance(move.advance)
        clock = self.state.clock
        return JSONResponse({"now_epoch": clock.now(), "offset": clock.offset})

    async def booking_status(self, request: Request) -> Response:
        action = _parse(VenueAction, await _body(request))
        booking = self.state.bookings.get(request.path_params["bookingId"])
        if booking is None:
            raise Problem(404, BOOKING_NOT_FOUND, "No such booking.")
        status, webhook_status, event_type, reason = VENUE_ACTIONS[action.status]
        booking.status, booking.webhook_status = status, webhook_status
        booking.reason = action.reason or reason
        booking.touch(self.state.clock.utcnow())
        self.state.emit(event_type, booking)
        return JSONResponse({**booking.to_api(), "webhookStatus": webhook_status})

    async def revoke_tokens(self, request: Request) -> Response:
        revoked = len(self.state.tokens)
        self.state.revoke_tokens()
        return JSONResponse({"revoked": revoked})

    async def add_client(self, request: Request) -> Response:
        """Another partner account (client id and secret) whose tokens this sandbox issues."""
        body = await json_object(request)
        client_id, secret = body.get("client_id"), body.get("client_secret")
        if not (isinstance(client_id, str) and client_id and isinstance(secret, str) and secret):
            raise invalid("client_id and client_secret are required.")
        self.state.partner_clients[client_id] = secret
        return JSONResponse({"client_id": client_id}, status_code=201)

    async def add_venue(self, request: Request) -> Response:
        body = await json_object(request)
        if not isinstance(body.get("name"), str) or not body["name"]:
            raise invalid("name is required.")
        products = body.get("products", [])
        if not isinstance(products, list) or not all(isinstance(p, dict) for p in products):
            raise invalid("products must be an array of objects.")
        venue = self.state.add_venue(body)
        return JSONResponse(venue.data, status_code=201)

    async def reset(self, request: Request) -> Response:
        await self.state.reset()
        return JSONResponse({"reset": True})

    async def wait_deliveries(self, request: Request) -> Response:
        """Not in the contract: returns once no webhook delivery is queued or retrying."""
        try:
            timeout = float(request.query_params.get("timeout", "10"))
        except ValueError:
            raise invalid("timeout must be a number of seconds.") from None
        try:
            async with asyncio.timeout(timeout):
                await self.state.deliverer.wait_idle()
        except TimeoutError:
            return JSONResponse({"idle": False}, status_code=408)
        return JSONResponse({"idle": True})
