"""Advice from the HTTP status, the request method and `detail` when Bookable's codes
differ from the sandbox's BOOK-N-001…005 or are absent (issue 9, item 9)."""

from __future__ import annotations

import pytest

from bot.bookable.errors import BookableProblem, problem_class
from bot.slack import ids
from bot.slack.user_errors import explain

HOSTILE = "<!channel> see <https://evil.example|here> & more"


def refusal(
    status: int, code: str | None, detail: str = "", method: str | None = "POST"
) -> BookableProblem:
    return problem_class(status)(
        status=status, title="Refused", detail=detail, code=code, is_retryable=status >= 500,
        correlation_id="corr-9", method=method,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("error", "fragment", "field", "reload"),
    [
        # 409 on a create: the slot went, whatever the code says
        (refusal(409, None), "just taken", ids.SLOT.block_id, True),
        (refusal(409, "BOOKING-N-042", "Conflict"), "just taken", ids.SLOT.block_id, True),
        # 409 on a cancel or change: the booking can't be changed
        (refusal(409, None, method="DELETE"), "can't be changed", None, False),
        (refusal(409, "OTHER-N-1", method="PATCH"), "can't be changed", None, False),
        # 422 naming a preorder, with another code or none
        (refusal(422, None, "Afternoon Tea needs a preorder with the booking."), "preorder",
         ids.PREORDERS.block_id, False),
        (refusal(422, "BOOK-N-001", "A pre-order is required"), "preorder",
         ids.PREORDERS.block_id, False),
        (refusal(422, "VALID-N-007", "Slot takes type 'request', not 'book'."),
         "booking vs. enquiry", ids.SLOT.block_id, True),
        # 404 on a booking call
        (refusal(404, None, method="DELETE"), "no longer knows this booking", None, False),
        (refusal(404, "BOOK-N-001", method="GET"), "doesn't know that venue", None, False),
        # 5xx: try later, even with a code that would mean something else
        (refusal(500, "BOOK-N-001"), "isn't answering", None, False),
        (refusal(503, None), "isn't answering", None, False),
        (refusal(507, None), "isn't answering", None, False),
    ],
)  # fmt: skip
def test_advice_follows_the_status(
    error: BookableProblem, fragment: str, field: str | None, reload: bool
) -> None:
    message = explain(error)

    assert fragment in message.text
    assert message.field == field
    assert message.retry_times is reload
    assert "corr-9" in message.text


@pytest.mark.parametrize("code", [None, "BOOK-N-003", "SOMETHING-N-1"])
def test_other_refusals_show_bookables_detail_escaped_and_clipped(code: str | None) -> None:
    message = explain(refusal(400, code, HOSTILE * 40))

    assert "didn't accept that" in message.text
    assert "&lt;!channel&gt;" in message.text and "<!channel>" not in message.text
    assert len(message.text) < 600


def test_our_codes_still_work_with_their_statuses() -> None:
    assert "just taken" in explain(refusal(409, "BOOK-N-001")).text
    assert explain(refusal(422, "BOOK-N-003")).field == ids.PREORDERS.block_id
    assert "no longer knows" in explain(refusal(404, "BOOK-N-004")).text
