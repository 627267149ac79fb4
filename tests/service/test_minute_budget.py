from __future__ import annotations

from bot.service.times import MinuteBudget


def test_the_budget_refills_each_fixed_minute_and_a_hold_spends_it() -> None:
    now = [120.0]
    budget = MinuteBudget(2, clock=lambda: now[0])
    assert budget.take() and budget.take() and not budget.take()
    now[0] = 179.9
    assert budget.left() == 0
    now[0] = 180.0  # a new minute
    assert budget.left() == 2
    budget.hold(90)
    assert not budget.take()
    now[0] = 270.5
    assert budget.take()
