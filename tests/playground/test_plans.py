"""The playground's team meal plan controls: simulated people vote on the newest plan (each
a signed click of their own), and the deadline is skipped to so the winner is booked."""

from __future__ import annotations

import datetime as dt

import httpx

from tests.slack.test_plan_flow import DISHOOM, SHOREDITCH, counts, in_thread, start_plan

from .conftest import Playground


async def test_simulated_people_vote_and_the_deadline_books_the_winner(
    playground: Playground,
) -> None:
    stack = playground.stack
    async with httpx.AsyncClient(base_url=playground.url, timeout=30) as api:
        nothing = await api.post("/api/plans/simulate", json={"channel": "C_GENERAL"})
        assert nothing.status_code == 404 and "/bookable plan" in nothing.json()["error"]
        absurd = await api.post("/api/plans/simulate", json={"people": 10_000})
        assert absurd.status_code == 400

        deadline = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
        posted = await start_plan(stack, [DISHOOM, SHOREDITCH], deadline=deadline)
        voted = await api.post("/api/plans/simulate", json={"channel": "C_GENERAL", "people": 5})
        assert voted.json() == {"ok": True, "voted": 5}
        await stack.fake.wait_for(lambda: counts(stack, posted) == [3, 2], within=15)

        booked = (await api.post("/api/plans/deadline")).json()
        assert booked["outcomes"] == {"booked": 1}
    assert "for *3*" in await in_thread(stack, posted, "Booked")
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["partySize"] == 3
