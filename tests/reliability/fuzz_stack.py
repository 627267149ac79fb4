"""One running stack shared by a fuzz module, with what its targets build upon: a booking
made through Slack, an open booking form, a channel subscribed to every update."""

from __future__ import annotations

import asyncio
import copy
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.fake_slack.payloads import response_action_problem
from bot.devtools.fake_slack.validation import MESSAGE_BLOCK_LIMIT, block_errors, view_errors

from . import flows
from .audits import audit
from .reliable_stack import ReliabilityStack
from .wire import SLACK_ACK_DEADLINE, Answer, Wire

USERS = ("U_ALICE", "U_BOB", "U_CAROL")
CHANNELS = ("C_GENERAL", "C_RANDOM", "D_ALICE")


@dataclass
class Round:
    """Where one fuzz target started, so its findings are its own."""

    logs: int
    calls: int
    answers: int


@dataclass
class FuzzStack:
    stack: ReliabilityStack
    wire: Wire
    booking_id: str = ""
    book_value: str = ""
    page_value: str = ""
    form: dict[str, Any] = field(default_factory=dict)

    @property
    def fake(self) -> Any:
        return self.stack.fake

    def begin(self) -> Round:
        return Round(self.stack.logs.mark(), len(self.fake.calls), len(self.wire.answers))

    def finish(self, since: Round) -> None:
        """After a target's examples: let the app finish, then audit what it did."""
        self.stack.settle(within=120)
        unhandled = [r for r in self.stack.logs.since(since.logs) if r.is_unhandled]
        assert not unhandled, "unhandled exceptions logged:\n" + "\n---\n".join(
            f"{r.logger}: {r.message}\n{r.exc_text[-1500:]}" for r in unhandled[:5]
        )
        server_errors = [a for a in self.wire.answers[since.answers :] if a.status >= 500]
        assert not server_errors, (
            f"5xx answers: {[(a.status, a.body[:200]) for a in server_errors[:5]]}"
        )
        calls = self.fake.calls[since.calls :]
        crashed = [c.method for c in calls if c.http_status >= 500 and not c.response.get("ok")]
        assert not crashed, f"Slack answered 5xx (a fake Slack bug?) to: {crashed[:5]}"
        answers = [a.body for a in self.wire.answers[since.answers :] if a.body.strip()]
        audit(self.stack, answers, calls)

    # --- what every Slack answer must be ------------------------------------------------

    def check_ack(self, answer: Answer) -> None:
        """A signed request gets a 2xx/4xx in time, and any message it carries is valid."""
        assert answer.status < 500, (answer.status, answer.body[:300])
        assert answer.seconds < SLACK_ACK_DEADLINE, f"ack took {answer.seconds:.2f} s"
        if answer.status != 200 or not answer.body.strip():
            return
        body = _json_or_text(answer.body)
        if isinstance(body, dict) and "blocks" in body:
            assert not block_errors(body["blocks"], limit=MESSAGE_BLOCK_LIMIT), body
            assert len(str(body.get("text", ""))) <= 40_000

    def check_submission_answer(self, answer: Answer, view: dict[str, Any]) -> None:
        self.check_ack(answer)
        if answer.status != 200 or not answer.body.strip():
            return
        body = _json_or_text(answer.body)
        assert isinstance(body, dict), f"view_submission answered with {answer.body[:200]!r}"
        action = body.get("response_action")
        assert action in ("errors", "update", "push", "clear"), body
        if action == "errors":
            assert response_action_problem(view, body) is None, body
        if action in ("update", "push"):
            assert not view_errors(body.get("view")), view_errors(body.get("view"))

    # --- payload builders -----------------------------------------------------------------

    def form_with(self, values: dict[str, Any], metadata: Any) -> dict[str, Any]:
        view = copy.deepcopy(self.form)
        for name in ("user_id", "is_open"):
            view.pop(name, None)
        view["state"] = {"values": values}
        view["private_metadata"] = metadata
        return view

    def fresh_metadata(self) -> str:
        """The open form's metadata with a new idempotency key (a new modal)."""
        data = json.loads(self.form["private_metadata"])
        data["key"] = secrets.token_hex(16)
        return json.dumps(data, separators=(",", ":"))


def _json_or_text(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body


async def _prepare(target: FuzzStack) -> None:
    stack = target.stack
    response = await flows.driver_of(stack).command(flows.USER, flows.CHANNEL, "subscribe")
    flows.acked_in_time(stack, response)
    outcome = await flows.book(stack)
    assert "Booked" in flows.view_text(outcome), flows.view_text(outcome)
    target.booking_id = flows.sandbox_bookings(stack)[0]["id"]
    everything = await flows.search(stack, "search")  # more than a page: a Next button
    target.page_value = next(
        element["value"]
        for block in everything["blocks"]
        if block.get("type") == "actions"
        for element in block["elements"]
        if element["action_id"].startswith("search_page")
    )
    results = await flows.search(stack)
    target.book_value = flows.book_buttons(results)[-1]["value"]
    target.form = await flows.open_form(stack, results)


@contextmanager
def fuzz_stack() -> Iterator[FuzzStack]:
    stack = ReliabilityStack().start()
    wire = Wire(stack)
    try:
        flows.knobs(stack, rate_limit=10**9)  # thousands of requests a minute in bench mode
        target = FuzzStack(stack, wire)
        asyncio.run(_prepare(target))
        yield target
        stack.settle(within=120)
        audit(stack, wire.slack_answers())
    finally:
        wire.close()
        stack.stop()
