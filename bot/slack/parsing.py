"""Parse `/bookable …` text into a command. Pure: no I/O, `today` is passed in.

Slack entity-encodes `&`, `<` and `>` in slash-command text, so the text is decoded first.
Values may be quoted: `group:"gordon ramsay"`. Unknown subcommands become `Help` with a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.slack.mrkdwn import unescape
from bot.slack.statuses import SHOWN_STATUSES

MIN_PARTY, MAX_PARTY = 1, 50
MIN_WORDS, MAX_WORDS = 2, 100  # Bookable's length limits for name filters
MAX_FEATURES = 10
MAX_FEATURE_LENGTH = 50  # features are identifiers such as dog_friendly
SUBSCRIPTION_STATUSES = SHOWN_STATUSES  # every status a message can show

WEEKDAYS = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}

# key:"quoted value" | key:value | "quoted words" | word
_TOKEN = re.compile(r'(?:(?P<key>[A-Za-z_]+):)?(?:"(?P<quoted>[^"]*)"|(?P<bare>\S+))')
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


@dataclass(frozen=True)
class Help:
    problem: str | None = None  # why help is shown instead of what was asked


@dataclass(frozen=True)
class Search:
    words: str = ""
    group: str | None = None
    features: tuple[str, ...] = ()
    date: date | None = None
    party: int | None = None


@dataclass(frozen=True)
class MyBookings:
    pass


@dataclass(frozen=True)
class SubscriptionFilter:
    venue: str | None = None
    group: str | None = None
    status: str | None = None

    def is_empty(self) -> bool:
        return not (self.venue or self.group or self.status)


@dataclass(frozen=True)
class Subscribe:
    filters: SubscriptionFilter = field(default_factory=SubscriptionFilter)


@dataclass(frozen=True)
class Unsubscribe:
    filters: SubscriptionFilter = field(default_factory=SubscriptionFilter)


@dataclass(frozen=True)
class ListSubscriptions:
    pass


Command = Help | Search | MyBookings | Subscribe | Unsubscribe | ListSubscriptions


class ParseProblem(ValueError):
    """A message the user can act on, e.g. "party must be a whole number from 1 to 50"."""


@dataclass(frozen=True)
class Token:
    key: str | None
    value: str
    raw: str


def tokenize(text: str) -> list[Token]:
    normalized = text.translate(_SMART_QUOTES)
    tokens = []
    for match in _TOKEN.finditer(normalized):
        quoted = match.group("quoted")
        value = quoted if quoted is not None else match.group("bare").strip('"')
        key = match.group("key")
        tokens.append(Token(key.lower() if key else None, value.strip(), match.group(0)))
    return [t for t in tokens if t.value or t.key]


def parse_command(text: str, *, today: date) -> Command:
    tokens = tokenize(unescape(text or "").strip())
    if not tokens or tokens[0].key is not None:
        return Help(None if not tokens else "Start with a subcommand such as `search`.")
    verb, rest = tokens[0].value.lower(), tokens[1:]
    try:
        if verb in ("search", "find", "s"):
            return _search(rest, today)
        if verb in ("bookings", "mybookings", "my"):
            return MyBookings()
        if verb in ("subscribe", "sub"):
            return Subscribe(_subscription_filter(rest))
        if verb in ("unsubscribe", "unsub"):
            return Unsubscribe(_subscription_filter(rest))
        if verb in ("subscriptions", "subs"):
            return ListSubscriptions()
    except ParseProblem as problem:
        return Help(str(problem))
    if verb in ("help", "?"):
        return Help()
    return Help(f"I don't know the command “{_preview(verb)}”.")


def _search(tokens: list[Token], today: date) -> Search:
    words: list[str] = []
    group: str | None = None
    features: list[str] = []
    when: date | None = None
    party: int | None = None
    for token in tokens:
        if token.key == "group":
            group = _name_filter("group", token.value)
        elif token.key in ("feature", "features"):
            features.extend(f for f in re.split(r"[,\s]+", token.value.lower()) if f)
        elif token.key == "date":
            when = parse_date(token.value, today)
        elif token.key in ("party", "people", "guests"):
            party = parse_party(token.value)
        elif token.key in ("venue", "name"):
            words.append(token.value)
        else:
            words.append(token.value if token.key is None else token.raw)
    if len(features) > MAX_FEATURES:
        raise ParseProblem(f"Use at most {MAX_FEATURES} `feature:` filters.")
    if any(len(f) > MAX_FEATURE_LENGTH for f in features):
        raise ParseProblem("Features are short words such as `dog_friendly`.")
    joined = " ".join(words)
    if joined:
        joined = _name_filter("search words", joined)
    return Search(joined, group, tuple(dict.fromkeys(features)), when, party)


def _subscription_filter(tokens: list[Token]) -> SubscriptionFilter:
    venue_words: list[str] = []
    group: str | None = None
    status: str | None = None
    for token in tokens:
        if token.key == "group":
            group = _name_filter("group", token.value)
        elif token.key == "status":
            status = parse_status(token.value)
        elif token.key in ("venue", "name", None):
            venue_words.append(token.value)
        else:
            raise ParseProblem(
                f"Unknown filter “{_preview(token.key)}:”. Use `venue:`, `group:` or `status:`."
            )
    venue = _name_filter("venue", " ".join(venue_words)) if venue_words else None
    return SubscriptionFilter(venue, group, status)


def parse_date(value: str, today: date) -> date:
    lowered = value.lower()
    if lowered == "today":
        return today
    if lowered == "tomorrow":
        return today + timedelta(days=1)
    if lowered in WEEKDAYS:
        return today + timedelta(days=(WEEKDAYS[lowered] - today.weekday()) % 7)
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ParseProblem(
            f"I can't read the date “{_preview(value)}”. "
            "Use YYYY-MM-DD, `today`, `tomorrow` or a weekday such as `fri`."
        ) from None
    if parsed < today:
        raise ParseProblem(f"{parsed.isoformat()} is in the past. Pick today or a later date.")
    return parsed


def parse_party(value: str) -> int:
    if not value.isdigit() or not MIN_PARTY <= int(value) <= MAX_PARTY:
        raise ParseProblem(
            f"Party size must be a whole number from {MIN_PARTY} to {MAX_PARTY}, "
            f"not “{_preview(value)}”."
        )
    return int(value)


def parse_status(value: str) -> str:
    lowered = value.lower().replace("-", "_").replace(" ", "_")
    if lowered == "noshow":
        lowered = "no_show"
    if lowered not in SUBSCRIPTION_STATUSES:
        raise ParseProblem(
            f"Unknown status “{_preview(value)}”. Use one of: "
            + ", ".join(f"`{s}`" for s in SUBSCRIPTION_STATUSES)
            + "."
        )
    return lowered


def _name_filter(what: str, value: str) -> str:
    value = " ".join(value.split())
    if not MIN_WORDS <= len(value) <= MAX_WORDS:
        raise ParseProblem(f"The {what} must be {MIN_WORDS} to {MAX_WORDS} characters long.")
    return value


def _preview(value: str, limit: int = 40) -> str:
    """Echo user text back briefly; callers escape it before it reaches Slack."""
    return value if len(value) <= limit else value[: limit - 1] + "…"
