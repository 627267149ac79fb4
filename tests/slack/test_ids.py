from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.slack.ids import BookRef, ModalMeta, PageRef, SlotChoice, StaleReference, slot_value

from .conftest import LONG_HOSTILE


def test_book_ref_round_trip_is_compact() -> None:
    ref = BookRef("v1", "29|CO|a|b", date(2030, 1, 2), 4)
    assert BookRef.decode(ref.encode()) == ref
    assert len(ref.encode()) < 80
    assert BookRef.decode(BookRef(None, "p").encode()) == BookRef(None, "p")


def test_page_ref_round_trip() -> None:
    ref = PageRef("dishoom", "group", ("wifi",), date(2030, 1, 2), 3, 4, True)
    assert PageRef.decode(ref.encode()) == ref


@pytest.mark.parametrize("value", ["", "nope", "[]", '{"v": 1}', "null"])
def test_foreign_values_are_rejected(value: str) -> None:
    with pytest.raises(ValueError):
        BookRef.decode(value)


def test_modal_meta_fits_private_metadata_even_with_long_names() -> None:
    meta = ModalMeta(
        key="k" * 32,
        composite_id="29|CO|" + "a" * 64,
        venue_id="v" * 32,
        channel_id="C1",
        venue_name=LONG_HOSTILE * 20,
        product_name=LONG_HOSTILE * 20,
        group_name=LONG_HOSTILE * 20,
        preorder_required=True,
        date=date(2030, 1, 2),
        party=4,
        tz="Europe/London",
    )
    encoded = meta.encode()
    assert len(encoded) <= 3000
    decoded = ModalMeta.decode(encoded)
    assert (decoded.key, decoded.composite_id, decoded.preorder_required, decoded.party) == (
        meta.key,
        meta.composite_id,
        True,
        4,
    )


def test_slot_value_fits_an_option_and_round_trips() -> None:
    value = slot_value("19:30", "request", date(2030, 1, 2), 12)
    assert len(value) <= 150
    assert SlotChoice.decode(value) == SlotChoice("19:30", "request", date(2030, 1, 2), 12)


_FOREIGN = ["", "nope", "[]", "null", '{"p": 5}', '{"p": "x", "d": "2024-13-01"}',
            '{"p": "x", "n": "2"}', '{"features": "abc"}', '{"page": "2"}',
            '{"key": "k"}', '{"key": "k", "composite_id": "c", "party": [1]}',
            '{"t": "19:00", "y": "booking", "d": "2030-01-01", "n": "x"}',
            '{"p": "x", "d": "2030-01-01", "t": "7pm"}', '{"p": "x", "t": "19:00"}',
            '{"p": "x", "d": "2030-01-01", "t": "24:00"}', '{"time": "19:00:00"}']  # fmt: skip


def test_a_time_button_reference_round_trips_compactly() -> None:
    ref = BookRef("v" * 32, "29|CO|" + "a" * 32 + "|" + "b" * 24, date(2030, 1, 2), 4, "19:30")
    assert BookRef.decode(ref.encode()) == ref
    assert ref.encode().endswith(',"n":4,"t":"19:30"}')
    page = PageRef(words="x", date=date(2030, 1, 2), time="07:05")
    assert PageRef.decode(page.encode()) == page


@pytest.mark.parametrize("decoder", [BookRef.decode, PageRef.decode, ModalMeta.decode,
                                     SlotChoice.decode])  # fmt: skip
@pytest.mark.parametrize("value", [*_FOREIGN, None, 7, {"p": "x"}])
def test_values_the_app_did_not_make_are_stale_references(decoder: Any, value: Any) -> None:
    try:
        decoded = decoder(value)
    except StaleReference:
        return
    # Whatever decodes must be well-typed: nothing downstream trips on it later.
    for name, field in vars(decoded).items():
        assert field is None or isinstance(field, str | int | bool | tuple | date), name
