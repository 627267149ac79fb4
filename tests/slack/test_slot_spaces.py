"""Availability slots' `spaces` (shape NOT DOCUMENTED, bookable-api.md §6.3): whatever form
Bookable sends, the booking modal offers the venue's times (issue 9, item 7)."""

from __future__ import annotations

import pytest

from bot.devtools.stack import LocalStack

from .flow import next_weekday, open_form, search, slot_options

WEDNESDAY = 2
VENUE = "Hawksmoor Edinburgh"  # its Dinner has spaces: "Main Dining Room" and "Bar"


@pytest.mark.parametrize("shape", ["ints", "objects", "absent"])
async def test_book_shows_times_whatever_the_spaces_shape(stack: LocalStack, shape: str) -> None:
    stack.sandbox_control("knobs", {"spaces_shape": shape})
    on = next_weekday(WEDNESDAY)

    results = await search(stack, "U_ALICE", "C_GENERAL", f"search hawksmoor edinburgh date:{on}")
    form = await open_form(stack, "U_ALICE", "C_GENERAL", results, VENUE)

    assert slot_options(form), f"no times offered with spaces as {shape}"
    assert "couldn't read" not in str(form["blocks"])
