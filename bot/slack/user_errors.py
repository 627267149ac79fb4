"""Turn failures into plain-language text people can act on (already mrkdwn-escaped).

Bookable's error catalog is only partly documented (bookable-api.md §3.5). Its documented
codes (AVAIL, OPRUL, PMAP, RATE) get specific advice. The BOOK-N-001…005 codes are the
sandbox's invention: they only refine advice that the HTTP status already allows, and the
advice comes from the status, the request method and Bookable's `detail` when they differ
or are absent (409 on a create: the slot was taken; 422 whose detail names a preorder: a
preorder is needed; another 4xx: Bookable's own detail, escaped and clipped; 5xx: try
later). Nothing here ever includes a token or secret: Bookable errors carry none, and
unexpected exceptions are reduced to an incident id.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from bot.bookable.errors import (
    BookableError,
    BookableProblem,
    Forbidden,
    NotFound,
    RateLimited,
    ResponseFormatError,
    TokenError,
    TransportError,
    Unauthorized,
)
from bot.slack import ids
from bot.slack.mrkdwn import clip

SLOT_TAKEN = "BOOK-N-001"
SLOT_TYPE_CHANGED = "BOOK-N-002"
PREORDER_MISSING = "BOOK-N-003"
BOOKING_UNKNOWN = "BOOK-N-004"
BOOKING_CLOSED = "BOOK-N-005"
VENUE_CLOSED = "AVAIL-N-004"

_ADVICE = {
    SLOT_TAKEN: "That time was just taken — pick another; times were reloaded.",
    SLOT_TYPE_CHANGED: "That time changed (booking vs. enquiry) since you picked it — "
    "pick it again from the reloaded times.",
    PREORDER_MISSING: "This venue needs a preorder for this booking — choose at least one.",
    BOOKING_UNKNOWN: "Bookable no longer knows this booking.",
    BOOKING_CLOSED: "This booking can't be changed any more (it may already be cancelled, "
    "or in the past).",
}
# Documented catalog codes (§3.5): their advice holds whatever the status.
_BY_CODE = {
    "AVAIL-N-001": "This option is no longer offered by the venue. Run the search again.",
    "AVAIL-N-002": "This venue isn't set up for bookings through us yet.",
    "AVAIL-N-003": "This venue isn't set up for bookings through us yet.",
    VENUE_CLOSED: "The venue is closed on that date — try another date.",
    "OPRUL-N-001": "The venue doesn't take bookings for that date — try another date.",
    "OPRUL-N-002": "The venue doesn't take bookings around that date — try another date.",
    "OPRUL-N-003": "The venue doesn't take bookings on that day of the week — try another date.",
    "OPRUL-N-004": "The venue doesn't take bookings at that time — pick another time.",
    "RATE-R-001": "Bookable is busy right now (too many requests). Try again in a minute.",
}
# Our own BOOK-* codes count only with a status that means the same kind of refusal.
_STATUSES_OF_OUR_CODE = {
    SLOT_TAKEN: frozenset({409}),
    SLOT_TYPE_CHANGED: frozenset({409, 422}),
    PREORDER_MISSING: frozenset({409, 422}),
    BOOKING_UNKNOWN: frozenset({404}),
    BOOKING_CLOSED: frozenset({409, 422}),
}
_CHANGES_A_BOOKING = frozenset({"DELETE", "PATCH", "PUT"})
_MENTIONS_PREORDER = re.compile(r"pre-?\s?orders?", re.IGNORECASE)
_MENTIONS_SLOT_TYPE = re.compile(r"\btype\b.*\b(book|request|enquiry)\b", re.IGNORECASE)

CHECK_CREDENTIALS = (
    "I can't sign in to Bookable at the moment. "
    "An admin needs to check the app's Bookable credentials."
)
OUT_OF_DATE = "This button is out of date — run the search again."
SIGN_IN_DOWN = "Bookable's sign-in service isn't answering right now; please try again in a minute."
# Auth0 error codes that mean our client id/secret or grant were refused.
_REFUSED_CREDENTIALS = frozenset(
    {"access_denied", "invalid_client", "unauthorized_client", "invalid_grant"}
)

# Which modal input an error belongs under (block ids of input blocks only).
_FIELD_BY_CODE = {
    SLOT_TAKEN: ids.SLOT.block_id,
    SLOT_TYPE_CHANGED: ids.SLOT.block_id,
    "OPRUL-N-004": ids.SLOT.block_id,
    PREORDER_MISSING: ids.PREORDERS.block_id,
    VENUE_CLOSED: ids.DATE.block_id,
    "OPRUL-N-001": ids.DATE.block_id,
    "OPRUL-N-002": ids.DATE.block_id,
    "OPRUL-N-003": ids.DATE.block_id,
}


@dataclass(frozen=True)
class UserMessage:
    text: str  # mrkdwn, escaped
    field: str | None = None  # block id of the modal input it belongs under, if any
    retry_times: bool = False  # reload availability before showing it


def explain(error: BaseException, *, incident_id: str | None = None) -> UserMessage:
    """Plain-language text for a Bookable failure, or an apology quoting `incident_id`
    (log the exception with that id first) for anything unexpected."""
    if isinstance(error, ids.StaleReference):
        return UserMessage(OUT_OF_DATE)
    if isinstance(error, BookableProblem):
        specific = _documented_code(error) or _refusal(error)
        if specific is not None:
            return specific
    if isinstance(error, RateLimited):
        wait = f" in about {int(error.retry_after) + 1} seconds" if error.retry_after else ""
        return UserMessage(_with_reference(f"Bookable is busy right now. Try again{wait}.", error))
    if isinstance(error, TokenError) and not _credentials_refused(error):
        return UserMessage(_with_reference(SIGN_IN_DOWN, error))
    if isinstance(error, TokenError | Unauthorized | Forbidden):
        return UserMessage(_with_reference(CHECK_CREDENTIALS, error))
    if isinstance(error, TransportError) or (
        isinstance(error, BookableProblem) and error.status >= 500
    ):
        return UserMessage(
            _with_reference("Bookable isn't answering right now. Please try again shortly.", error)
        )
    if isinstance(error, ResponseFormatError):
        return UserMessage(_with_reference("Bookable sent an answer I couldn't read.", error))
    if isinstance(error, NotFound):
        return UserMessage(_with_reference("Bookable doesn't know that venue or booking.", error))
    if isinstance(error, BookableProblem):
        detail = clip(error.detail or error.title or f"HTTP {error.status}", 300)
        return UserMessage(_with_reference(f"Bookable didn't accept that: {detail}", error, True))
    if isinstance(error, BookableError):
        return UserMessage(_with_reference("Something went wrong talking to Bookable.", error))
    return UserMessage(apology(incident_id or new_incident_id()))


def _documented_code(error: BookableProblem) -> UserMessage | None:
    code = error.code or ""
    specific = _BY_CODE.get(code) or _by_prefix(code)
    if not specific:
        return None
    field = _FIELD_BY_CODE.get(code) or _field_by_prefix(code)
    return UserMessage(_with_reference(specific, error), field=field)


def _refusal(error: BookableProblem) -> UserMessage | None:
    """Advice for a booking refusal: our BOOK-* code when its status agrees, else what the
    status, the request method and the detail say. None: no specific advice."""
    ours = error.status in _STATUSES_OF_OUR_CODE.get(error.code or "", ())
    kind = error.code if ours else _refusal_kind(error)
    if kind is None:
        return None
    return UserMessage(
        _with_reference(_ADVICE[kind], error),
        field=_FIELD_BY_CODE.get(kind),
        retry_times=kind in (SLOT_TAKEN, SLOT_TYPE_CHANGED),
    )


def _refusal_kind(error: BookableProblem) -> str | None:
    detail = f"{error.title or ''} {error.detail or ''}"
    changes_booking = (error.method or "").upper() in _CHANGES_A_BOOKING
    if error.status in (400, 409, 422) and _MENTIONS_PREORDER.search(detail):
        return PREORDER_MISSING
    if error.status in (409, 422) and _MENTIONS_SLOT_TYPE.search(detail):
        return SLOT_TYPE_CHANGED
    if error.status == 409:
        return BOOKING_CLOSED if changes_booking else SLOT_TAKEN
    if error.status in (404, 410) and changes_booking:
        return BOOKING_UNKNOWN
    return None


def _credentials_refused(error: TokenError) -> bool:
    """The token endpoint said no to us (an admin must act), as opposed to being down,
    rate-limited, unreachable or answering nonsense (wait and retry)."""
    if error.error in _REFUSED_CREDENTIALS:
        return True
    status = error.status
    return status is not None and 400 <= status < 500 and status != 429


def apology(incident_id: str) -> str:
    return (
        "Sorry, something went wrong on our side. If it keeps happening, "
        f"give this reference to your admin: `{clip(incident_id, 64)}`."
    )


def new_incident_id() -> str:
    return secrets.token_hex(4)


def _by_prefix(code: str) -> str | None:
    if code.startswith("OPRUL-"):
        return "The venue doesn't take bookings for that date or time — try another."
    if code.startswith(("PMAP-", "AVAIL-")):
        return "This venue can't be booked through us at the moment."
    return None


def _field_by_prefix(code: str) -> str | None:
    return ids.DATE.block_id if code.startswith("OPRUL-") else None


def _with_reference(text: str, error: BookableError, escaped: bool = False) -> str:
    body = text if escaped else clip(text, 600)
    if error.correlation_id:
        body += f" (reference `{clip(error.correlation_id, 64)}`)"
    return body
