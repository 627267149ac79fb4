from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.service.times import FreeTime, VenueTimes
from bot.slack import ids
from bot.slack.blocks.search import (
    DESCRIPTION_LIMIT,
    PAGE_SIZE,
    TIMES_IN_MODAL,
    TIMES_LOADING_BLOCK,
    search_results,
)
from bot.slack.ids import BookRef, PageRef
from bot.slack.mrkdwn import cut_at_word

from .conftest import HOSTILE, LONG_HOSTILE, make_venue
from .support import assert_valid_message, texts


def _buttons(message: dict) -> list[dict]:
    return [
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_results_have_a_section_and_book_buttons_per_venue() -> None:
    venues = [make_venue(i) for i in range(3)]
    ref = PageRef(words="venue", date=date(2030, 8, 15), party=4)
    message = search_results(venues, ref, has_next=False)
    assert_valid_message(message)
    book = [b for b in _buttons(message) if b["action_id"].startswith(ids.BOOK_ACTION)]
    assert len(book) == 6
    first = BookRef.decode(book[0]["value"])
    assert first == BookRef(venues[0].id, venues[0].products[0].composite_id, ref.date, 4)
    assert "Venue 2" in texts(message)


def test_hostile_names_render_as_text_and_ping_nobody() -> None:
    venue = make_venue(0, name=HOSTILE, text=HOSTILE)
    message = search_results([venue], PageRef(words=HOSTILE, group=HOSTILE), has_next=False)
    assert_valid_message(message)
    assert "&lt;!channel&gt;" in texts(message)


def test_a_hundred_results_with_300_character_names_stay_within_limits() -> None:
    venues = [make_venue(i, name=LONG_HOSTILE, products=8, text=LONG_HOSTILE) for i in range(100)]
    ref = PageRef(words=LONG_HOSTILE[:100], group=LONG_HOSTILE[:100], page=2)
    message = search_results(venues, ref, has_next=True)
    assert_valid_message(message)
    assert len(message["blocks"]) <= 50
    sections = [b for b in message["blocks"] if b["type"] == "section"]
    assert len(sections) == PAGE_SIZE
    # Slack has refused messages near 13k characters of blocks.
    assert len(json.dumps(message["blocks"], ensure_ascii=False)) < 12_000
    assert all(len(b.get("value", "")) <= 2000 for b in _buttons(message))


def test_paging_buttons_carry_the_filters_and_the_next_page() -> None:
    ref = PageRef(words="pasta", features=("wifi",), page=2, party=3)
    message = search_results([make_venue(0)], ref, has_next=True)
    paging = {
        b["action_id"]: PageRef.decode(b["value"])
        for b in _buttons(message)
        if b["action_id"].startswith(ids.PAGE_ACTION)
    }
    assert paging[f"{ids.PAGE_ACTION}:prev"].page == 1
    assert paging[f"{ids.PAGE_ACTION}:next"] == PageRef(
        words="pasta", features=("wifi",), page=3, party=3
    )
    first_page = search_results([make_venue(0)], PageRef(words="pasta"), has_next=False)
    assert not [b for b in _buttons(first_page) if b["action_id"].startswith(ids.PAGE_ACTION)]


def test_zero_results_suggest_filters() -> None:
    message = search_results([], PageRef(words=HOSTILE, features=("wifi",)), has_next=False)
    assert_valid_message(message)
    assert "feature:" in texts(message)
    assert "group:" in texts(message)


def test_venue_without_products_says_so() -> None:
    message = search_results([make_venue(0, products=0)], PageRef(), has_next=False)
    assert_valid_message(message)
    assert "Not bookable" in texts(message)


def test_ids_too_long_for_a_button_are_skipped_not_cut() -> None:
    venue = make_venue(0)
    venue.products[0].composite_id = "x" * 2100
    message = search_results([venue], PageRef(), has_next=False)
    assert_valid_message(message)
    values = [BookRef.decode(b["value"]).composite_id for b in _buttons(message)]
    assert values == [venue.products[1].composite_id]


def _times_for(venue: Any, *slots: tuple[int, str, bool]) -> VenueTimes:
    """(product index, HH:MM, enquiry) per free time."""
    return VenueTimes(
        venue,
        [
            FreeTime(venue.products[p].composite_id, venue.products[p].product_name, t, e)
            for p, t, e in slots
        ],
    )


def test_free_times_are_buttons_that_carry_their_time() -> None:
    venue = make_venue(0, products=2)
    ref = PageRef(words="venue", date=date(2030, 8, 15), party=4, time="19:00")
    found = _times_for(venue, (0, "18:30", False), (1, "19:00", True), (0, "19:30", False))
    message = search_results([venue], ref, has_next=False, times=[found])
    assert_valid_message(message)
    buttons = _buttons(message)
    labels = [b["text"]["text"] for b in buttons]
    assert labels[:3] == ["18:30 · Dinner 0", "19:00 · Dinner 1 · enquiry", "19:30 · Dinner 0"]
    assert labels[3:] == ["More Dinner 0 times"]
    assert [b.get("style") for b in buttons] == [None, "primary", None, None]  # nearest 19:00
    refs = [BookRef.decode(b["value"]) for b in buttons]
    # the venue id is left out when the compositeId says it (a shorter value)
    assert refs[1] == BookRef(None, venue.products[1].composite_id, ref.date, 4, "19:00")
    assert refs[3].time is None and refs[3].composite_id == venue.products[0].composite_id
    assert len({b["action_id"] for b in buttons}) == len(buttons)  # unique in the block
    assert "around 19:00" in texts(message) and TIMES_IN_MODAL not in texts(message)


def test_loading_then_unknown_venues_fall_back_to_book_buttons() -> None:
    venues = [make_venue(0), make_venue(1)]
    ref = PageRef(date=date(2030, 8, 15))
    loading = search_results(venues, ref, has_next=False, loading=True)
    assert_valid_message(loading)
    assert any(b.get("block_id") == TIMES_LOADING_BLOCK for b in loading["blocks"])
    assert "party of 2" in texts(loading)
    known = _times_for(venues[0], (0, "12:00", False))
    filled = search_results(
        venues, ref, has_next=False, times=[known, VenueTimes(venues[1], known=False)]
    )
    assert_valid_message(filled)
    assert TIMES_IN_MODAL in texts(filled)
    labels = [b["text"]["text"] for b in _buttons(filled)]
    assert labels == ["12:00", "More times", "Book Dinner 0", "Book Dinner 1"]


def test_nothing_free_is_one_line_with_the_next_free_day() -> None:
    venue = make_venue(0, name=HOSTILE)
    ref = PageRef(date=date(2030, 8, 15), party=3)
    found = VenueTimes(venue, [], next_free=date(2030, 8, 17))
    message = search_results([venue], ref, has_next=False, times=[found])
    assert_valid_message(message)
    assert "Nothing free on Thu 15 Aug 2030 for 3 · next free day: *Sat 17 Aug 2030*" in texts(
        message
    )
    [pick] = _buttons(message)
    assert pick["text"]["text"] == "Pick another date"


def test_time_buttons_with_hostile_long_names_stay_within_limits() -> None:
    venues = [make_venue(i, name=LONG_HOSTILE, products=3, text=LONG_HOSTILE) for i in range(5)]
    ref = PageRef(words=LONG_HOSTILE[:100], date=date(2030, 8, 15), party=50, time="23:59")
    times = [
        _times_for(v, *[(i % 3, f"2{i % 4}:{i:02d}", i % 2 == 0) for i in range(5)]) for v in venues
    ]
    message = search_results(venues, ref, has_next=True, times=times)
    assert_valid_message(message)
    assert len(json.dumps(message["blocks"], ensure_ascii=False)) < 12_000
    assert all(len(b["text"]["text"]) <= 75 for b in _buttons(message))


def test_results_are_compact_readable_and_say_a_shared_description_once() -> None:
    long = "Small plates from Bombay's Irani cafés,\nserved all day in a room full of " * 4
    venues = [make_venue(i).model_copy(update={"description": long}) for i in range(3)]
    message = search_results(venues, PageRef(words="venue"), has_next=False)
    assert_valid_message(message)
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    described = [s for s in sections if "Small plates" in s]
    assert len(described) == 1  # a group's description, shown once per page
    [line] = [li for li in described[0].split("\n") if "Small plates" in li]
    assert line.endswith("…_") and " of…" not in line and "\n" not in line
    assert len(line) <= DESCRIPTION_LIMIT + 10
    assert "dog friendly · wifi" in sections[0] and "`dog_friendly`" not in sections[0]


def test_cut_at_word() -> None:
    assert cut_at_word("short", 10) == "short"
    assert cut_at_word("one two three four", 12) == "one two…"
    assert cut_at_word("unbreakableword", 8) == "unbreak…"
    assert cut_at_word("a,\n b  c", 10) == "a, b c"
