"""Team meal plans in the store: one vote per person (toggle, move, concurrent clicks
from many people and from two stores on one database), claims under a lease, and the
booking's plan found again after a cancel."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from bot.store import PlanOption, Store

from .conftest import Database

DEADLINE = dt.datetime(2030, 8, 15, 12, 0, tzinfo=dt.UTC)
OPTIONS = [
    PlanOption(0, "29|CO|aa|bb", "Dishoom", "Dinner", dt.date(2030, 8, 16), "19:00"),
    PlanOption(1, "29|CO|cc|dd", "Hawksmoor", "Lunch", dt.date(2030, 8, 17), "12:30"),
]


async def new_plan(store: Store, *, deadline: dt.datetime | None = DEADLINE) -> str:
    plan_id = uuid.uuid4().hex
    await store.create_plan(
        plan_id, team_id="T1", channel_id="C1", organiser_id="U_ORG", note="<b>hi</b>",
        booker={"firstName": "Ada"}, deadline=deadline, options=OPTIONS,
    )  # fmt: skip
    return plan_id


async def test_a_plan_round_trips_with_its_options(store: Store) -> None:
    plan_id = await new_plan(store)
    plan = await store.get_plan(plan_id)
    assert plan is not None
    assert (plan.state, plan.note, plan.deadline, plan.booker) == (
        "open", "<b>hi</b>", DEADLINE, {"firstName": "Ada"},
    )  # fmt: skip
    assert plan.options == tuple(OPTIONS) and plan.votes == {}
    assert await store.get_plan("0" * 32) is None


async def test_a_second_click_toggles_and_another_option_moves_the_vote(store: Store) -> None:
    plan_id = await new_plan(store)
    assert await store.vote(plan_id, "U1", 0) == "in"
    assert (await store.get_plan(plan_id)).votes == {"U1": 0}  # type: ignore[union-attr]
    assert await store.vote(plan_id, "U1", 1) == "in"  # moved, not added
    assert (await store.get_plan(plan_id)).votes == {"U1": 1}  # type: ignore[union-attr]
    assert await store.vote(plan_id, "U1", 1) == "out"  # toggled off
    assert (await store.get_plan(plan_id)).votes == {}  # type: ignore[union-attr]
    assert await store.vote(plan_id, "U1", None) == "in"  # can't make it
    assert await store.vote(plan_id, "U1", None) == "out"
    assert await store.vote(plan_id, "U1", 0) == "in"
    assert await store.vote(plan_id, "U1", None) == "in"  # from an option to can't
    plan = await store.get_plan(plan_id)
    assert plan is not None and plan.cannot() == ["U1"] and plan.voters(0) == []


async def test_concurrent_votes_from_two_stores_are_all_counted(database: Database) -> None:
    first, second = await database.open(), await database.open()
    plan_id = await new_plan(first)
    users = [f"U{n:03}" for n in range(60)]
    await asyncio.gather(
        *((first if n % 2 else second).vote(plan_id, user, n % 2) for n, user in enumerate(users))
    )
    plan = await first.get_plan(plan_id)
    assert plan is not None
    assert len(plan.voters(0)) == 30 and len(plan.voters(1)) == 30
    assert set(plan.votes) == set(users)


async def test_a_closed_plan_takes_no_votes(store: Store) -> None:
    plan_id = await new_plan(store)
    await store.vote(plan_id, "U1", 0)
    assert await store.close_plan(plan_id) is True
    assert await store.close_plan(plan_id) is False
    assert await store.vote(plan_id, "U2", 0) == "closed"
    assert await store.vote("f" * 32, "U2", 0) == "closed"  # no such plan
    assert (await store.get_plan(plan_id)).votes == {"U1": 0}  # type: ignore[union-attr]


async def test_the_deadline_is_claimed_once_and_a_lapsed_lease_again(store: Store) -> None:
    plan_id = await new_plan(store)
    await new_plan(store, deadline=None)  # no deadline: only Book it books it
    early = DEADLINE - dt.timedelta(seconds=1)
    assert await store.claim_due_plans(now=early, limit=10, lease_seconds=60) == []
    assert await store.next_plan_deadline() == DEADLINE
    assert await store.claim_due_plans(now=DEADLINE, limit=10, lease_seconds=60) == [plan_id]
    assert await store.claim_due_plans(now=DEADLINE, limit=10, lease_seconds=60) == []
    assert await store.claim_plan(plan_id, now=DEADLINE, lease_seconds=60) is False  # Book it
    later = DEADLINE + dt.timedelta(seconds=61)  # the process booking it died
    assert await store.claim_due_plans(now=later, limit=10, lease_seconds=60) == [plan_id]


async def test_a_gone_option_is_marked_and_the_plan_reopens(store: Store) -> None:
    plan_id = await new_plan(store)
    assert await store.claim_plan(plan_id, now=DEADLINE, lease_seconds=60) is True
    await store.reopen_plan(plan_id, gone=0)
    plan = await store.get_plan(plan_id)
    assert plan is not None and plan.state == "open" and plan.deadline is None
    assert [o.gone for o in plan.options] == [True, False]


async def test_a_booked_plan_is_found_by_its_booking(store: Store) -> None:
    plan_id = await new_plan(store)
    await store.claim_plan(plan_id, now=DEADLINE, lease_seconds=60)
    await store.plan_booked(plan_id, position=1, booking_id="bk-9")
    plan = await store.get_plan(plan_id)
    assert plan is not None and (plan.state, plan.booked_position, plan.booking_id) == (
        "booked", 1, "bk-9",
    )  # fmt: skip
    assert await store.plan_for_booking("bk-9") == plan_id
    assert await store.vote(plan_id, "U1", 1) == "in"  # people still join after booking


async def test_purging_a_workspace_deletes_its_plans_and_votes(store: Store) -> None:
    plan_id = await new_plan(store)
    await store.vote(plan_id, "U1", 0)
    await store.retire_workspaces(["T1"], "uninstalled", purge=True)
    assert await store.get_plan(plan_id) is None


async def test_one_persons_quick_clicks_on_two_connections_toggle_in_turn(
    database: Database,
) -> None:
    first, second = await database.open(), await database.open()
    plan_id = await new_plan(first)
    for _ in range(10):  # each round: two clicks at once on the same option
        answers = await asyncio.gather(first.vote(plan_id, "U1", 0), second.vote(plan_id, "U1", 0))
        assert sorted(answers) == ["in", "out"]  # one click in, the other out
        plan = await first.get_plan(plan_id)
        assert plan is not None and plan.voters(0) == []
