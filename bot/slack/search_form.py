"""The search modal's values (Book a table): read from `view.state`, checked with the same
rules as `/bookable search`. Pure functions; errors are keyed by input block id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.slack import ids
from bot.slack.form import selected_date, text_value
from bot.slack.ids import PageRef
from bot.slack.parsing import (
    MAX_FEATURE_LENGTH,
    MAX_FEATURES,
    ParseProblem,
    name_filter,
    parse_party,
)


@dataclass
class SearchInput:
    """What the user entered, raw (the modal is rebuilt with it)."""

    words: str = ""
    date: date | None = None
    party: str = ""
    group: str = ""
    features: str = ""


def read_search_state(values: dict[str, Any]) -> SearchInput:
    """`values` is `view["state"]["values"]`; anything malformed counts as empty."""
    return SearchInput(
        words=text_value(values, ids.SEARCH_WORDS),
        date=selected_date(values, ids.SEARCH_DATE),
        party=text_value(values, ids.SEARCH_PARTY),
        group=text_value(values, ids.SEARCH_GROUP),
        features=text_value(values, ids.SEARCH_FEATURES),
    )


def validate_search(
    entered: SearchInput, *, today: date, page: int = 1
) -> tuple[PageRef | None, dict[str, str]]:
    """The search to run, or the problems by input block id."""
    errors: dict[str, str] = {}

    def check(field: ids.Field, read: Any) -> Any:
        try:
            return read()
        except ParseProblem as problem:
            errors[field.block_id] = str(problem)
            return None

    words = check(ids.SEARCH_WORDS, lambda: _optional(name_filter, "search words", entered.words))
    group = check(ids.SEARCH_GROUP, lambda: _optional(name_filter, "group", entered.group))
    party = check(ids.SEARCH_PARTY, lambda: parse_party(entered.party) if entered.party else None)
    features = check(ids.SEARCH_FEATURES, lambda: _features(entered.features))
    if entered.date is not None and entered.date < today:
        errors[ids.SEARCH_DATE.block_id] = "Pick today or a later date."
    if errors:
        return None, errors
    ref = PageRef(
        words=words or "",
        group=group or None,
        features=features or (),
        date=entered.date,
        party=party,
        page=max(page, 1),
    )
    return ref, {}


def _features(text: str) -> tuple[str, ...]:
    features = tuple(dict.fromkeys(f for f in re.split(r"[,\s]+", text.lower()) if f))
    if len(features) > MAX_FEATURES:
        raise ParseProblem(f"Use at most {MAX_FEATURES} features.")
    if any(len(f) > MAX_FEATURE_LENGTH for f in features):
        raise ParseProblem("Features are short words such as dog_friendly.")
    return features


def _optional(read: Any, what: str, text: str) -> str | None:
    return read(what, text) if text else None
