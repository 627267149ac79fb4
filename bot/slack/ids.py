"""Stable identifiers (action, block and callback ids) and the compact references that
buttons and modals carry. Keeping them in one place keeps builders and listeners in sync.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

COMMAND = "/bookable"

# --- actions ----------------------------------------------------------------------------
# Several buttons of one kind can share a block, and action ids must be unique per block,
# so they get a ":n" suffix; listeners match the prefix.
BOOK_ACTION = "book_product"
PAGE_ACTION = "search_page"
CANCEL_ACTION = "cancel_booking"
RELOAD_TIMES_ACTION = "reload_times"
BOOK_PATTERN = re.compile(rf"^{BOOK_ACTION}(:\d+)?$")
PAGE_PATTERN = re.compile(rf"^{PAGE_ACTION}(:\w+)?$")
CANCEL_PATTERN = re.compile(rf"^{CANCEL_ACTION}(:\d+)?$")

# --- booking modal ----------------------------------------------------------------------
BOOKING_CALLBACK = "booking_form"
RESULT_CALLBACK = "booking_result"


@dataclass(frozen=True)
class Field:
    block_id: str
    action_id: str


DATE = Field("date", "date_value")
PARTY = Field("party", "party_value")
SLOT = Field("slot", "slot_value")
FIRST_NAME = Field("first_name", "first_name_value")
LAST_NAME = Field("last_name", "last_name_value")
EMAIL = Field("email", "email_value")
PHONE = Field("phone", "phone_value")
NOTES = Field("notes", "notes_value")
PREORDERS = Field("preorders", "preorders_value")
FORM_NOTICE_BLOCK = "form_notice"  # context at the top (e.g. Bookable unavailable)
# Date and party size dispatch an action on change, which reloads the available times.
REFRESH_ACTIONS = (DATE.action_id, PARTY.action_id)

MAX_BUTTON_VALUE = 2000
MAX_OPTION_VALUE = 150
MAX_PRIVATE_METADATA = 3000


def _compact(data: dict[str, Any]) -> str:
    return json.dumps(
        {k: v for k, v in data.items() if v not in (None, "", [], ())},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _load(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        raise ValueError("not a reference this app created") from None
    if not isinstance(data, dict):
        raise ValueError("not a reference this app created")
    return data


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


@dataclass(frozen=True)
class BookRef:
    """What a Book button carries: ids only, never the venue itself."""

    venue_id: str | None
    composite_id: str
    date: date | None = None
    party: int | None = None

    def encode(self) -> str:
        return _compact(
            {
                "v": self.venue_id,
                "p": self.composite_id,
                "d": self.date.isoformat() if self.date else None,
                "n": self.party,
            }
        )

    @classmethod
    def decode(cls, value: str) -> BookRef:
        data = _load(value)
        if not isinstance(data.get("p"), str):
            raise ValueError("book reference without a product")
        party = data.get("n")
        return cls(data.get("v"), data["p"], _date(data.get("d")), party if party else None)


@dataclass(frozen=True)
class PageRef:
    """What Next/Previous carry: the search filters and the page to show."""

    words: str = ""
    group: str | None = None
    features: tuple[str, ...] = ()
    date: date | None = None
    party: int | None = None
    page: int = 1
    by_description: bool = False  # words matched venue descriptions, not names

    def encode(self) -> str:
        data = asdict(self)
        data["features"] = list(self.features)
        data["date"] = self.date.isoformat() if self.date else None
        return _compact(data)

    @classmethod
    def decode(cls, value: str) -> PageRef:
        data = _load(value)
        page = data.get("page", 1)
        return cls(
            words=str(data.get("words", "")),
            group=data.get("group"),
            features=tuple(str(f) for f in data.get("features", [])),
            date=_date(data.get("date")),
            party=data.get("party"),
            page=page if isinstance(page, int) and page >= 1 else 1,
            by_description=bool(data.get("by_description")),
        )


@dataclass
class ModalMeta:
    """The booking modal's private_metadata (≤ 3000 characters)."""

    key: str  # idempotency key, fixed for the life of the modal
    composite_id: str
    venue_id: str | None = None
    channel_id: str | None = None
    venue_name: str = ""
    product_name: str = ""
    group_name: str | None = None
    preorder_required: bool = False
    date: date | None = None  # from the search, the modal's default date
    party: int | None = None
    tz: str | None = None  # the user's time zone, for "today" and "in the past"

    def encode(self) -> str:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        # Names are display sugar; shorten them rather than overflow private_metadata.
        for name_limit in (200, 80, 20, 0):
            for name in ("venue_name", "product_name", "group_name"):
                if data[name]:
                    data[name] = data[name][:name_limit]
            encoded = _compact(data)
            if len(encoded) <= MAX_PRIVATE_METADATA:
                return encoded
        raise ValueError("modal ids are too long for private_metadata")

    @classmethod
    def decode(cls, value: str) -> ModalMeta:
        data = _load(value)
        if not isinstance(data.get("key"), str) or not isinstance(data.get("composite_id"), str):
            raise ValueError("modal metadata without key or product")
        return cls(
            key=data["key"],
            composite_id=data["composite_id"],
            venue_id=data.get("venue_id"),
            channel_id=data.get("channel_id"),
            venue_name=data.get("venue_name", ""),
            product_name=data.get("product_name", ""),
            group_name=data.get("group_name"),
            preorder_required=bool(data.get("preorder_required")),
            date=_date(data.get("date")),
            party=data.get("party"),
            tz=data.get("tz"),
        )


def slot_value(time: str, slot_type: str, on: date, party: int) -> str:
    """A slot option's value, tied to the date and party size it was offered for."""
    return _compact({"t": time, "y": slot_type, "d": on.isoformat(), "n": party})


@dataclass(frozen=True)
class SlotChoice:
    time: str
    type: str
    date: date
    party: int

    @classmethod
    def decode(cls, value: str) -> SlotChoice:
        data = _load(value)
        on = _date(data.get("d"))
        if not (isinstance(data.get("t"), str) and isinstance(data.get("y"), str) and on):
            raise ValueError("not a time slot")
        return cls(data["t"], data["y"], on, int(data.get("n", 0)))
