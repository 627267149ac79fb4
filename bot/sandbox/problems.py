"""ProblemDetails (RFC 9457) answers, shaped as Bookable sends them.

Codes follow Bookable's `RESOURCE-X-NNN` scheme (`X` = `R` retryable, `N` not). The BOOK-*,
WEBHOOK-* and FAULT-* codes are ours: Bookable's catalog for them is not documented.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"

VALIDATION = "VALID-N-001"
PRODUCT_NOT_FOUND = "AVAIL-N-001"
VENUE_CLOSED = "AVAIL-N-004"
DATE_DISABLED = "OPRUL-N-001"
RATE_LIMITED = "RATE-R-001"
SLOT_UNAVAILABLE = "BOOK-N-001"
SLOT_TYPE_MISMATCH = "BOOK-N-002"
PREORDER_REQUIRED = "BOOK-N-003"
BOOKING_NOT_FOUND = "BOOK-N-004"
BOOKING_CLOSED = "BOOK-N-005"
VENUE_NOT_FOUND = "VENUE-N-001"
WEBHOOK_NOT_FOUND = "WEBHOOK-N-001"
UNAUTHORIZED = "AUTH-N-001"
FORBIDDEN = "AUTH-N-002"
SERVER_FAULT = "FAULT-R-001"
CLIENT_FAULT = "FAULT-N-001"

TITLES = {
    VALIDATION: "Validation Error",
    PRODUCT_NOT_FOUND: "Product Not Found",
    VENUE_CLOSED: "Venue Closed on Requested Date",
    DATE_DISABLED: "Specific Date Disabled",
    RATE_LIMITED: "Too Many Requests",
    SLOT_UNAVAILABLE: "Slot Unavailable",
    SLOT_TYPE_MISMATCH: "Booking Type Mismatch",
    PREORDER_REQUIRED: "Preorder Required",
    BOOKING_NOT_FOUND: "Booking Not Found",
    BOOKING_CLOSED: "Booking Cannot Be Changed",
    VENUE_NOT_FOUND: "Venue Not Found",
    WEBHOOK_NOT_FOUND: "Webhook Not Registered",
    UNAUTHORIZED: "Unauthorized",
    FORBIDDEN: "Forbidden",
}


class Problem(Exception):
    """Raised by handlers; the gateway turns it into a ProblemDetails response."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str | None = None,
        type_uri: str = "about:blank",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or TITLES.get(code) or HTTPStatus(status).phrase
        self.type_uri = type_uri
        self.headers = headers or {}

    def body(self, *, minimal: bool = False) -> dict[str, Any]:
        """`minimal` (the `problem_minimal` knob): without `code` and `isRetryable`, which
        only the TMS Gateway API's schema marks required (bookable-api.md §3.5)."""
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if not minimal:
            body |= {"code": self.code, "isRetryable": "-R-" in self.code}
        return body

    def response(self, *, minimal: bool = False) -> JSONResponse:
        return JSONResponse(
            self.body(minimal=minimal),
            status_code=self.status,
            headers=self.headers,
            media_type=PROBLEM_JSON,
        )


def invalid(detail: str) -> Problem:
    return Problem(400, VALIDATION, detail)


def forced_failure(status: int) -> Problem:
    """What the `fail_next` knob answers with: retryable for 5xx, as Bookable marks them."""
    code = SERVER_FAULT if status >= 500 else CLIENT_FAULT
    return Problem(status, code, f"Injected failure (HTTP {status}) from the sandbox.")
