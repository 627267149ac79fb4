"""Parse `/bookable …` text into a command. Pure: no I/O, `today` is passed in.

Slack entity-encodes `&`, `<` and `>` in slash-command text, so the text is decoded first.
Values may be quoted: `group:"gordon ramsay"`. Unknown subcommands, unknown filters and bad
values become `Help` with a one-line problem and an example to copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.slack.dates import NotADate, parse_time, parse_when
from bot.slack.mrkdwn import unescape
from bot.slack.statuses import SHOWN_STATUSES

MIN_PARTY, MAX_PARTY = 1, 50
MIN_WORDS, MAX_WORDS = 2, 100  # Bookable's length limits for name filters
MAX_FEATURES = 10
MAX_FEATURE_LENGTH = 50  # features are identifiers such as dog_friendly
SUBSCRIPTION_STATUSES = SHOWN_STATUSES  # every status a message can show

# key:"quoted value" | key:value | "quoted words" | word
_TOKEN = re.compile(r'(?:(?P<key>[A-Za-z_]+):)?(?:"(?P<quoted>[^"]*)"|(?P<bare>\S+))')
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


@dataclass(frozen=True)
class Help:
    problem: str | None = None  # why help is shown instead of what was asked
    example: str | None = None  # a command that would work, e.g. "search dishoom date:fri"


@dataclass(frozen=True)
class Search:
    words: str = ""
    group: str | None = None
    features: tuple[str, ...] = ()
    date: date | None = None
    party: int | None = None
    time: str | None = None  # "HH:MM", from `time:` or a date such as `tomorrow 7pm`


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


@dataclass(frozen=True)
class StartPlan:
    """`/bookable plan`: a team meal poll in this channel."""


Command = Help | Search | MyBookings | Subscribe | Unsubscribe | ListSubscriptions | StartPlan


SEARCH_FILTERS = ("group", "feature", "date", "time", "party")
SEARCH_EXAMPLE = "search dishoom party:4 date:fri time:7pm"
SUBSCRIBE_EXAMPLE = 'subscribe venue:"dishoom" status:declined'


class ParseProblem(ValueError):
    """A message the user can act on, e.g. "party must be a whole number from 1 to 50",
    with an example command that would work."""

    def __init__(self, message: str, example: str = SEARCH_EXAMPLE) -> None:
        super().__init__(message)
        self.example = example


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
    if not tokens:
        return Help()
    if tokens[0].key is not None:
        return Help("Start with a subcommand such as `search`.", SEARCH_EXAMPLE)
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
        if verb in ("plan", "meal"):
            return StartPlan()
    except ParseProblem as problem:
        return Help(str(problem), problem.example)
    if verb in ("help", "?"):
        return Help()
    return Help(f"I don't know the command “{_preview(verb)}”.", SEARCH_EXAMPLE)


def _search(tokens: list[Token], today: date) -> Search:
    words: list[str] = []
    group: str | None = None
    features: list[str] = []
    when: date | None = None
    party: int | None = None
    time: str | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.key == "group":
            group = name_filter("group", token.value)
        elif token.key in ("feature", "features"):
            features.extend(f for f in re.split(r"[,\s]+", token.value.lower()) if f)
        elif token.key == "date":
            # `date:12 dec`, `date:next fri`, `date:tomorrow 7pm`: the date goes on as long
            # as the words after it still read as one.
            taken, when, said_time = _date_phrase(token.value, tokens[index:], today)
            index += taken
            time = said_time or time
        elif token.key == "time":
            time = _time(token.value)
        elif token.key in ("party", "people", "guests"):
            party = parse_party(token.value)
        elif token.key in ("venue", "name") or token.key is None:
            words.append(token.value)
        else:
            raise ParseProblem(
                f"Unknown filter “{_preview(token.key)}:”. Filters are "
                + ", ".join(f"`{name}:`" for name in SEARCH_FILTERS)
                + "."
            )
    if len(features) > MAX_FEATURES:
        raise ParseProblem(f"Use at most {MAX_FEATURES} `feature:` filters.")
    if any(len(f) > MAX_FEATURE_LENGTH for f in features):
        raise ParseProblem(
            "Features are short words.", "search party:2 feature:dog_friendly feature:wifi"
        )
    joined = " ".join(words)
    if joined:
        joined = name_filter("search words", joined)
    return Search(joined, group, tuple(dict.fromkeys(features)), when, party, time)


def _date_phrase(first: str, after: list[Token], today: date) -> tuple[int, date, str | None]:
    """The longest date phrase starting with `first` (and up to two bare words after it):
    how many words after it it took, the date, and the time if it named one."""
    for extra in (2, 1):
        following = after[:extra]
        if len(following) < extra or any(t.key is not None for t in following):
            continue
        phrase = " ".join([first, *(t.value for t in following)])
        try:
            when, time = parse_when(phrase, today)
        except NotADate:
            continue
        return extra, _not_past(when, today), time
    return 0, *_date_and_time(first, today)


def _date_and_time(value: str, today: date) -> tuple[date, str | None]:
    try:
        when, time = parse_when(value, today)
    except NotADate:
        raise ParseProblem(
            f"I can't read the date “{_preview(value)}”. Try `fri`, `next fri`, `31/12`, "
            "`12 Dec`, `tomorrow 7pm` or 2030-12-31.",
            "search dishoom date:fri",
        ) from None
    return _not_past(when, today), time


def _not_past(when: date, today: date) -> date:
    if when < today:
        raise ParseProblem(
            f"{when.isoformat()} is in the past. Pick today or a later date.",
            "search dishoom date:today",
        )
    return when


def _time(value: str) -> str:
    if value.isdigit() and int(value) <= 23:  # `time:9`: after `time:` a bare hour is clear
        return f"{int(value):02d}:00"
    try:
        return parse_time(value)
    except NotADate:
        raise ParseProblem(
            f"I can't read the time “{_preview(value)}”. Try `19:00` or `7pm`.",
            "search dishoom date:fri time:19:30",
        ) from None


def _subscription_filter(tokens: list[Token]) -> SubscriptionFilter:
    venue_words: list[str] = []
    group: str | None = None
    status: str | None = None
    for token in tokens:
        if token.key == "group":
            group = name_filter("group", token.value)
        elif token.key == "status":
            status = parse_status(token.value)
        elif token.key in ("venue", "name", None):
            venue_words.append(token.value)
        else:
            raise ParseProblem(
                f"Unknown filter “{_preview(token.key)}:”. Use `venue:`, `group:` or `status:`.",
                SUBSCRIBE_EXAMPLE,
            )
    venue = name_filter("venue", " ".join(venue_words)) if venue_words else None
    return SubscriptionFilter(venue, group, status)


def parse_party(value: str) -> int:
    if not value.isdigit() or not MIN_PARTY <= int(value) <= MAX_PARTY:
        raise ParseProblem(
            f"Party size must be a whole number from {MIN_PARTY} to {MAX_PARTY}, "
            f"not “{_preview(value)}”.",
            "search dishoom party:4",
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
            + ".",
            SUBSCRIBE_EXAMPLE,
        )
    return lowered


def name_filter(what: str, value: str) -> str:
    value = " ".join(value.split())
    if not MIN_WORDS <= len(value) <= MAX_WORDS:
        raise ParseProblem(
            f"The {what} must be {MIN_WORDS} to {MAX_WORDS} characters long.",
            'search group:"gordon ramsay"',
        )
    return value


def _preview(value: str, limit: int = 40) -> str:
    """Echo user text back briefly; callers escape it before it reaches Slack."""
    return value if len(value) <= limit else value[: limit - 1] + "…"
