"""Stable identifiers (action, block and callback ids) and the compact references that
buttons and modals carry. Keeping them in one place keeps builders and listeners in sync.
"""

from __future__ import annotations

import hashlib
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
CHANGE_ACTION = "change_booking"  # value: the booking id, as for Cancel
UNSUBSCRIBE_ACTION = "unsubscribe"  # value: the subscription's id (`/bookable subscriptions`)
BOOK_PATTERN = re.compile(rf"^{BOOK_ACTION}(:\d+)?$")
PAGE_PATTERN = re.compile(rf"^{PAGE_ACTION}(:\w+)?$")
CANCEL_PATTERN = re.compile(rf"^{CANCEL_ACTION}(:\d+)?$")
CHANGE_PATTERN = re.compile(rf"^{CHANGE_ACTION}(:\d+)?$")
UNSUBSCRIBE_PATTERN = re.compile(rf"^{UNSUBSCRIBE_ACTION}(:\d+)?$")

# --- booking modal ----------------------------------------------------------------------
BOOKING_CALLBACK = "booking_form"
RESULT_CALLBACK = "booking_result"
# The Change modal reuses the booking modal's date, party, time and notes inputs (and so
# its refresh listeners); ModalMeta.booking_id tells the two apart.
CHANGE_CALLBACK = "change_form"


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
# Date and party size dispatch an action on change, which reloads the available times; so
# does the time, while a notice under it (e.g. "just taken") waits to be cleared.
REFRESH_ACTIONS = (DATE.action_id, PARTY.action_id, SLOT.action_id)

# --- App Home and booking from anywhere --------------------------------------------------
HOME_FIND_ACTION = "home_find_table"  # opens the search modal
HOME_VIEW_ACTION = "home_view"  # value: a HomeRef (a page of upcoming, past shown or not)
HOME_VIEW_PATTERN = re.compile(rf"^{HOME_VIEW_ACTION}(:\w+)?$")
BOOK_SHORTCUT = "book_table"  # global shortcut
BOOK_HERE_SHORTCUT = "book_table_here"  # message shortcut: the channel is the booking's home
SEARCH_CALLBACK = "table_search"
SEARCH_PAGE_ACTION = "table_search_page"  # value: a PageRef, as for the message's paging
SEARCH_PAGE_PATTERN = re.compile(rf"^{SEARCH_PAGE_ACTION}(:\w+)?$")
PICK_ACTION = "table_search_pick"  # value: a BookRef; pushes the booking modal
PICK_PATTERN = re.compile(rf"^{PICK_ACTION}(:\d+)?$")
SEARCH_WORDS = Field("search_words", "search_words_value")
SEARCH_DATE = Field("search_date", "search_date_value")
SEARCH_PARTY = Field("search_party", "search_party_value")
SEARCH_GROUP = Field("search_group", "search_group_value")
SEARCH_FEATURES = Field("search_features", "search_features_value")

# --- a workspace's own Bookable account (a section the Home tab includes) ---------------
ACCOUNT_CONNECT_ACTION = "bookable_account_connect"
ACCOUNT_CALLBACK = "bookable_account_form"
ACCOUNT_CLIENT_ID = Field("account_client_id", "account_client_id_value")
ACCOUNT_CLIENT_SECRET = Field("account_client_secret", "account_client_secret_value")

MAX_BUTTON_VALUE = 2000
MAX_OPTION_VALUE = 150
MAX_PRIVATE_METADATA = 3000
MAX_HOME_PAGE = 1000  # a forged page number stays a small SQL offset


def _compact(data: dict[str, Any]) -> str:
    return json.dumps(
        {k: v for k, v in data.items() if v not in (None, "", [], ())},
        separators=(",", ":"),
        ensure_ascii=False,
    )


class StaleReference(ValueError):
    """A button value, option value or modal metadata this app did not create: from an
    older version of the app, or forged. The person is asked to start again."""

    def __init__(self, what: str = "not a reference this app created") -> None:
        super().__init__(what)


def _load(value: Any) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        raise StaleReference() from None
    if not isinstance(data, dict):
        raise StaleReference()
    return data


def _date(value: Any) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _invalid("date")
    except ValueError:
        raise StaleReference("not a date") from None


def _text(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return _invalid(what)


def _count(value: Any, what: str) -> int | None:
    """A positive whole number, or None (JSON booleans are not numbers here)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return _invalid(what)
    return value if value > 0 else None


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _hhmm(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and _HHMM.match(value):
        return value
    return _invalid("time")


def _invalid(what: str) -> Any:
    raise StaleReference(f"reference with an invalid {what}")


@dataclass(frozen=True)
class BookRef:
    """What a Book button carries: ids only, never the venue itself. A time button (free
    times in results) is a Book button with `time`: the modal opens with it chosen."""

    venue_id: str | None
    composite_id: str
    date: date | None = None
    party: int | None = None
    time: str | None = None  # HH:MM, only with a date

    def encode(self) -> str:
        return _compact(
            {
                "v": self.venue_id,
                "p": self.composite_id,
                "d": self.date.isoformat() if self.date else None,
                "n": self.party,
                "t": self.time,
            }
        )

    @classmethod
    def decode(cls, value: str) -> BookRef:
        data = _load(value)
        if not isinstance(data.get("p"), str) or not data["p"]:
            raise StaleReference("book reference without a product")
        on, time = _date(data.get("d")), _hhmm(data.get("t"))
        if time is not None and on is None:
            raise StaleReference("book reference with a time but no date")
        return cls(
            _text(data.get("v"), "venue"),
            data["p"],
            on,
            _count(data.get("n"), "party size"),
            time,
        )


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
    time: str | None = None  # HH:MM: free times shown around it

    def encode(self) -> str:
        data = asdict(self)
        data["features"] = list(self.features)
        data["date"] = self.date.isoformat() if self.date else None
        return _compact(data)

    @classmethod
    def decode(cls, value: str) -> PageRef:
        data = _load(value)
        features = data.get("features", [])
        if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
            raise StaleReference("page reference with invalid features")
        return cls(
            words=_text(data.get("words"), "search text") or "",
            group=_text(data.get("group"), "group"),
            features=tuple(features),
            date=_date(data.get("date")),
            party=_count(data.get("party"), "party size"),
            page=_count(data.get("page"), "page") or 1,
            by_description=data.get("by_description") is True,
            time=_hhmm(data.get("time")),
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
    # The Change modal only: the booking, its current time, and a digest of the notes it
    # was opened with (to tell whether they were edited without carrying them).
    booking_id: str | None = None
    time: str | None = None
    notes_digest: str | None = None

    @property
    def is_change(self) -> bool:
        return self.booking_id is not None

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
        key, product = data.get("key"), data.get("composite_id")
        if not (isinstance(key, str) and key and isinstance(product, str) and product):
            raise StaleReference("modal metadata without key or product")
        return cls(
            key=key,
            composite_id=product,
            venue_id=_text(data.get("venue_id"), "venue"),
            channel_id=_text(data.get("channel_id"), "channel"),
            venue_name=_text(data.get("venue_name"), "venue name") or "",
            product_name=_text(data.get("product_name"), "product name") or "",
            group_name=_text(data.get("group_name"), "group name"),
            preorder_required=data.get("preorder_required") is True,
            date=_date(data.get("date")),
            party=_count(data.get("party"), "party size"),
            tz=_text(data.get("tz"), "time zone"),
            booking_id=_text(data.get("booking_id"), "booking id") or None,
            time=_text(data.get("time"), "time"),
            notes_digest=_text(data.get("notes_digest"), "notes digest"),
        )


def notes_digest(notes: str) -> str:
    """Short digest of a notes text: the Change modal compares notes without carrying them."""
    return hashlib.sha256(notes.strip().encode()).hexdigest()[:16]


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
            raise StaleReference("not a time slot")
        return cls(data["t"], data["y"], on, _count(data.get("n"), "party size") or 0)


@dataclass(frozen=True)
class HomeRef:
    """What the Home tab's paging and "Show past" buttons carry: what to show."""

    page: int = 1  # of upcoming bookings
    past: bool = False  # past and closed bookings expanded

    def encode(self) -> str:
        return _compact({"n": self.page, "p": self.past or None})

    @classmethod
    def decode(cls, value: str) -> HomeRef:
        data = _load(value)
        page = min(_count(data.get("n"), "page") or 1, MAX_HOME_PAGE)
        return cls(page, data.get("p") is True)


@dataclass(frozen=True)
class SearchMeta:
    """The search modal's private_metadata: the channel that is the booking's home, if
    any (a message shortcut's conversation; none from Home or the global shortcut)."""

    channel_id: str | None = None

    def encode(self) -> str:
        return _compact({"c": self.channel_id})

    @classmethod
    def decode(cls, value: str) -> SearchMeta:
        if not value:
            return cls()
        return cls(_text(_load(value).get("c"), "channel"))


# --- team meal plans (/bookable plan) ---------------------------------------------------
PLAN_CALLBACK = "plan_form"
PLAN_OPTIONS = 4  # the most options a plan offers
# Each option's inputs share an action id; their block ids carry the option's number.
PLAN_VENUE_ACTION = "plan_venue"  # external_select fed by the venue search
PLAN_DATE_ACTION = "plan_date"
PLAN_TIME_ACTION = "plan_time"
PLAN_DEADLINE = Field("plan_deadline", "plan_deadline_value")
PLAN_NOTE = Field("plan_note", "plan_note_value")
PLAN_PHONE = Field("plan_phone", "plan_phone_value")
# Buttons on the plan's channel message; values name the plan (and option).
PLAN_VOTE_ACTION = "plan_vote"  # value: "<plan id>:<option position>"
PLAN_CANT_ACTION = "plan_cant"  # value: the plan id
PLAN_WHO_ACTION = "plan_who"
PLAN_TOOLS_ACTION = "plan_tools"  # brings back the organiser control (ephemeral)
# Buttons on the organiser control, an ephemeral only the organiser (or an admin) gets.
PLAN_BOOK_ACTION = "plan_book"  # value: the plan id (its winner), or "<plan id>:<position>"
PLAN_CLOSE_ACTION = "plan_close"
PLAN_START_ACTION = "plan_start"  # on search results; value: a product's compositeId
PLAN_VOTE_PATTERN = re.compile(rf"^{PLAN_VOTE_ACTION}(:\d+)?$")
PLAN_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


def plan_option_block(kind: str, position: int) -> str:
    """`kind` is "venue", "date", "time" or "times" (the modal's free-times line);
    positions count from 0."""
    return f"plan_{kind}_{position}"


def plan_vote_value(plan_id: str, position: int) -> str:
    return f"{plan_id}:{position}"


def parse_plan_value(value: Any, *, with_position: bool = False) -> tuple[str, int | None]:
    """A plan button's value back into (plan id, position); StaleReference if forged."""
    text = str(value or "")
    plan_id, _, position = text.partition(":") if with_position else (text, "", "")
    if not PLAN_ID_PATTERN.match(plan_id):
        raise StaleReference("not a plan reference")
    if not with_position:
        return plan_id, None
    if not position.isdigit() or int(position) >= PLAN_OPTIONS:
        raise StaleReference("not a plan option")
    return plan_id, int(position)
