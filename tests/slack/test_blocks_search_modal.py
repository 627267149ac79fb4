"""The search modal (pure): inputs, where the confirmation goes, results and paging in the
modal; and its values, read and checked like `/bookable search`."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.slack import ids
from bot.slack.blocks.search_modal import search_modal
from bot.slack.ids import BookRef, PageRef, SearchMeta, StaleReference
from bot.slack.search_form import SearchInput, read_search_state, validate_search

from .conftest import HOSTILE, LONG_HOSTILE, make_venue
from .support import assert_valid_view, texts

TODAY = dt.date(2030, 8, 1)


def _block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def _buttons(view: dict, prefix: str) -> list[dict]:
    return [
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith(prefix)
    ]


def test_empty_modal_has_every_input_optional_and_a_search_submit() -> None:
    view = search_modal(SearchMeta(), SearchInput())
    assert_valid_view(view)
    assert view["callback_id"] == ids.SEARCH_CALLBACK and view["submit"]["text"] == "Search"
    for field in (ids.SEARCH_WORDS, ids.SEARCH_DATE, ids.SEARCH_PARTY, ids.SEARCH_GROUP,
                  ids.SEARCH_FEATURES):  # fmt: skip
        block = _block(view, field.block_id)
        assert block["optional"] is True and block["element"]["action_id"] == field.action_id
    assert _block(view, ids.SEARCH_PARTY.block_id)["element"]["initial_value"] == "2"
    assert "direct messages" in texts(view)
    assert SearchMeta.decode(view["private_metadata"]) == SearchMeta()


def test_a_conversation_is_named_as_the_bookings_home() -> None:
    view = search_modal(SearchMeta("C_GENERAL"), SearchInput())
    assert "<#C_GENERAL>" in texts(view)
    assert SearchMeta.decode(view["private_metadata"]) == SearchMeta("C_GENERAL")
    in_a_dm = search_modal(SearchMeta("D_ALICE"), SearchInput())  # the shortcut in a DM
    assert "direct messages" in texts(in_a_dm) and "<#D_ALICE>" not in texts(in_a_dm)


def test_results_carry_the_search_date_and_party_and_page_within_the_modal() -> None:
    venues = [make_venue(i) for i in range(5)]
    ref = PageRef(words="venue", date=dt.date(2030, 8, 15), party=3, page=2)
    entered = SearchInput(words="venue", date=ref.date, party="3")
    view = search_modal(SearchMeta(), entered, results=venues, ref=ref, has_next=True)
    assert_valid_view(view)
    picks = _buttons(view, ids.PICK_ACTION)
    assert len(picks) == 10 and all(ids.PICK_PATTERN.match(b["action_id"]) for b in picks)
    assert BookRef.decode(picks[0]["value"]) == BookRef(
        venues[0].id, venues[0].products[0].composite_id, ref.date, 3
    )
    pages = {b["text"]["text"]: PageRef.decode(b["value"]) for b in
             _buttons(view, ids.SEARCH_PAGE_ACTION)}  # fmt: skip
    assert pages["◀ Previous"].page == 1 and pages["Next ▶"].page == 3
    assert pages["Next ▶"].words == "venue" and pages["Next ▶"].party == 3
    # The inputs keep what was typed.
    assert _block(view, ids.SEARCH_WORDS.block_id)["element"]["initial_value"] == "venue"


def test_no_results_say_so_and_hostile_text_is_escaped() -> None:
    ref = PageRef(words=HOSTILE, group=HOSTILE)
    entered = SearchInput(words=LONG_HOSTILE, group=LONG_HOSTILE, features=LONG_HOSTILE)
    view = search_modal(SearchMeta(), entered, results=[], ref=ref)
    assert_valid_view(view)
    assert "No venues found" in texts(view)
    hostile = [make_venue(0, name=HOSTILE, text=HOSTILE)]
    assert_valid_view(search_modal(SearchMeta(), entered, results=hostile, ref=ref))


def _state(**values: object) -> dict:
    fields = {"words": ids.SEARCH_WORDS, "party": ids.SEARCH_PARTY, "group": ids.SEARCH_GROUP,
              "features": ids.SEARCH_FEATURES}  # fmt: skip
    state: dict = {}
    for name, value in values.items():
        if name == "date":
            state[ids.SEARCH_DATE.block_id] = {ids.SEARCH_DATE.action_id: {"selected_date": value}}
        else:
            field = fields[name]
            state[field.block_id] = {field.action_id: {"value": value}}
    return state


def test_valid_input_becomes_the_search() -> None:
    entered = read_search_state(
        _state(words="  dishoom  covent ", date="2030-08-15", party="4", group="Dishoom",
               features="Dog_Friendly, wifi wifi")
    )  # fmt: skip
    ref, errors = validate_search(entered, today=TODAY)
    assert errors == {}
    assert ref == PageRef(
        words="dishoom covent", group="Dishoom", features=("dog_friendly", "wifi"),
        date=dt.date(2030, 8, 15), party=4, page=1,
    )  # fmt: skip
    assert validate_search(SearchInput(), today=TODAY) == (PageRef(), {})  # everything


@pytest.mark.parametrize(
    ("values", "block_id"),
    [
        ({"party": "0"}, ids.SEARCH_PARTY.block_id),
        ({"party": "51"}, ids.SEARCH_PARTY.block_id),
        ({"party": "2.5"}, ids.SEARCH_PARTY.block_id),
        ({"date": "2030-07-31"}, ids.SEARCH_DATE.block_id),
        ({"words": "x"}, ids.SEARCH_WORDS.block_id),
        ({"words": "x" * 101}, ids.SEARCH_WORDS.block_id),
        ({"group": "y"}, ids.SEARCH_GROUP.block_id),
        ({"features": " ".join(f"f{i}" for i in range(11))}, ids.SEARCH_FEATURES.block_id),
        ({"features": "z" * 51}, ids.SEARCH_FEATURES.block_id),
    ],
)
def test_bad_input_is_a_field_error(values: dict, block_id: str) -> None:
    ref, errors = validate_search(read_search_state(_state(**values)), today=TODAY)
    assert ref is None and list(errors) == [block_id] and errors[block_id]


def test_malformed_state_counts_as_empty() -> None:
    forged = {ids.SEARCH_WORDS.block_id: "nope", ids.SEARCH_DATE.block_id: {
        ids.SEARCH_DATE.action_id: {"selected_date": "not-a-date"}}, "x": []}  # fmt: skip
    assert read_search_state(forged) == SearchInput()
    assert read_search_state([]) == SearchInput()  # type: ignore[arg-type]


def test_search_meta_and_home_ref_refuse_forged_values() -> None:
    for forged in ("not json", "[]", '{"c": 5}'):
        with pytest.raises(StaleReference):
            SearchMeta.decode(forged)
    assert ids.HomeRef.decode('{"n": -3, "p": "yes"}') == ids.HomeRef()
    assert ids.HomeRef.decode('{"n": 10000000000000000000000}').page == ids.MAX_HOME_PAGE
    with pytest.raises(StaleReference):
        ids.HomeRef.decode('{"n": "2"}')
