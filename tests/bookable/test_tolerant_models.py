"""Where Bookable's docs leave a shape open, the models accept every plausible form."""

from __future__ import annotations

from typing import Any

import pytest

from bot.bookable.models import Availability, Product

SLOT = {"time": "19:00", "duration": 120, "type": "book", "productId": "29|CO|v|p"}


@pytest.mark.parametrize(
    ("spaces", "ids", "names"),
    [
        ([1, 2], [1, 2], [None, None]),  # what the sandbox used to send
        ([{"id": 1, "name": "Bar"}], [1], ["Bar"]),
        (["a1", {"spaceId": 7}], ["a1", 7], [None, None]),
        ({"id": 3, "name": "Garden"}, [3], ["Garden"]),  # one object, not a list
        ([True, 2.5, None, {"name": 5}], [None], [None]),  # junk items never fail the slot
        ([], [], []),
    ],
)
def test_slot_spaces_in_any_plausible_form(spaces: Any, ids: list[Any], names: list[Any]) -> None:
    answer = Availability.model_validate({"times": [{**SLOT, "spaces": spaces}]})

    [slot] = answer.times
    assert slot.spaces is not None
    assert [space.id for space in slot.spaces] == ids
    assert [space.name for space in slot.spaces] == names


@pytest.mark.parametrize("body", [{**SLOT, "spaces": None}, SLOT])
def test_slot_without_spaces(body: dict[str, Any]) -> None:
    [slot] = Availability.model_validate({"times": [body]}).times
    assert slot.spaces is None


def test_product_spaces_as_ints() -> None:
    product = Product.model_validate({"compositeId": "29|CO|v|p", "spaces": [4, 5]})
    assert [space.id for space in product.spaces or []] == [4, 5]
