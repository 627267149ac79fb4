"""The App Home tab over signed HTTP: published when opened, refreshed when a booking
changes (a venue's webhook, a Cancel click on the tab itself), and paged within Block
Kit's 100 blocks however many bookings there are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from bot.devtools.stack import LocalStack
from bot.slack import ids
from bot.store import Store
from bot.store.records import BookingRecord

from .flow import WAIT, book_through_slack, buttons, next_weekday, section_text

WEDNESDAY = 2


def home_of(stack: LocalStack, user: str) -> dict[str, Any] | None:
    return stack.fake.home_view(user)


async def wait_home(
    stack: LocalStack, user: str, check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        view = home_of(stack, user)
        return view if view is not None and check(view) else None

    return await stack.fake.wait_for(ready, within=WAIT)


async def booked_with_cancel_on_home(stack: LocalStack) -> tuple[dict[str, Any], dict[str, Any]]:
    """Alice books through Slack; her Home tab once it lists the booking, and its Cancel."""
    await book_through_slack(
        stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{next_weekday(WEDNESDAY)}",
        "Dishoom Covent Garden",
    )  # fmt: skip
    home = await wait_home(stack, "U_ALICE", lambda v: bool(buttons(v, ids.CANCEL_ACTION)))
    [cancel] = buttons(home, ids.CANCEL_ACTION)
    return home, cancel


async def test_home_is_published_when_opened(stack: LocalStack) -> None:
    assert stack.driver is not None
    response = await stack.driver.open_home("U_CAROL")
    assert response.status_code == 200 and stack.driver.last_problem is None
    home = await wait_home(stack, "U_CAROL", lambda v: True)
    text = section_text(home)
    assert "Nothing booked yet" in text
    assert buttons(home, ids.HOME_FIND_ACTION)  # Find a table
    [call] = stack.fake.calls_to("views.publish")
    assert call.args["user_id"] == "U_CAROL"


async def test_home_lists_a_booking_and_follows_its_status(stack: LocalStack) -> None:
    await book_through_slack(
        stack, "U_ALICE", "C_GENERAL", f"search dishoom covent date:{next_weekday(WEDNESDAY)}",
        "Dishoom Covent Garden",
    )  # fmt: skip
    await stack.driver.command("U_ALICE", "C_GENERAL", "subscribe group:Dishoom")  # type: ignore[union-attr]
    await stack.fake.wait_for(
        lambda: any("now gets booking updates" in m["text"]
                    for m in stack.fake.messages("C_GENERAL")),
        within=WAIT,
    )  # fmt: skip
    await stack.driver.open_home("U_ALICE")  # type: ignore[union-attr]
    home = await wait_home(
        stack, "U_ALICE",
        lambda v: "Dishoom Covent Garden" in section_text(v) and "<#C_GENERAL>" in section_text(v),
    )  # fmt: skip
    assert "Confirmed" in section_text(home)
    assert len(buttons(home, ids.CHANGE_ACTION)) == 1
    assert len(buttons(home, ids.CANCEL_ACTION)) == 1

    # The venue cancels: the webhook's status change republishes the tab.
    [booking] = stack.sandbox_state()["bookings"]
    stack.sandbox_control(f"bookings/{booking['id']}/status", {"status": "cancelled"})
    home = await wait_home(
        stack, "U_ALICE", lambda v: "Past and closed* · 1 booking" in section_text(v)
    )
    assert "Nothing booked yet" in section_text(home)
    assert buttons(home, ids.CANCEL_ACTION) == []
    assert "Covent Garden" not in section_text(home)  # past ones collapsed

    [show] = buttons(home, ids.HOME_VIEW_ACTION)
    await stack.driver.click("U_ALICE", home["id"], show["action_id"], value=show["value"])  # type: ignore[union-attr]
    home = await wait_home(stack, "U_ALICE", lambda v: ":x: Cancelled" in section_text(v))
    assert "Dishoom Covent Garden" in section_text(home).split("Past and closed")[1]


async def test_cancel_on_the_home_tab_cancels_and_refreshes_it(stack: LocalStack) -> None:
    home, cancel = await booked_with_cancel_on_home(stack)
    assert cancel["confirm"]
    response = await stack.driver.click("U_ALICE", home["id"], cancel["action_id"])  # type: ignore[union-attr]
    assert response.status_code == 200
    # The tab is republished at once with what happened on top (the venue's webhook for
    # the cancel then republishes it again, without the notice).
    await stack.fake.wait_for(
        lambda: any("Cancelled: *Dishoom" in str(c.args.get("view"))
                    for c in stack.fake.calls_to("views.publish")),
        within=WAIT,
    )  # fmt: skip
    home = await wait_home(stack, "U_ALICE", lambda v: "Past and closed* · 1" in section_text(v))
    assert buttons(home, ids.CANCEL_ACTION) == []
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["status"] == "Cancelled"


async def test_a_cancel_bookable_refuses_on_the_home_tab_says_so_there(
    stack: LocalStack,
) -> None:
    home, cancel = await booked_with_cancel_on_home(stack)
    stack.sandbox_control("knobs", {"fail_next": {"count": 20, "status": 503}})
    response = await stack.driver.click("U_ALICE", home["id"], cancel["action_id"])  # type: ignore[union-attr]
    assert response.status_code == 200
    # No response_url on a Home tab: the tab itself is republished with the warning.
    home = await wait_home(stack, "U_ALICE", lambda v: ":warning:" in section_text(v))
    assert "Bookable" in section_text(home)
    assert len(buttons(home, ids.CANCEL_ACTION)) == 1  # still booked: Cancel again later
    stack.sandbox_control("knobs", {"fail_next": {"count": 0}})
    [booking] = stack.sandbox_state()["bookings"]
    assert booking["status"] == "Confirmed"


def _record(index: int, today: dt.date, team_id: str) -> BookingRecord:
    return BookingRecord(
        booking_id=f"29|CO|{index:032x}",
        team_id=team_id,
        user_id="U_ALICE",
        channel_id="C_GENERAL",
        message_ts=None,
        venue_name=f"Venue {index:03d} <!channel>",
        venue_group=None,
        product_name="Dinner",
        composite_id="29|CO|abc|def",
        date=today + dt.timedelta(days=2 + index),
        time="19:00",
        party_size=2,
        status="confirmed" if index < 70 else "cancelled",
        operator_ref=None,
        created_at=dt.datetime.now(dt.UTC),
    )


async def test_many_bookings_fit_in_100_blocks_with_more_pages(stack: LocalStack) -> None:
    store = await Store.connect(stack.database_url)
    try:
        today = dt.date.today()
        for index in range(85):
            await store.save_booking(_record(index, today, stack.fake.team_id))
    finally:
        await store.close()
    await stack.driver.open_home("U_ALICE")  # type: ignore[union-attr]
    home = await wait_home(stack, "U_ALICE", lambda v: "Venue 000" in section_text(v))
    assert len(home["blocks"]) <= 100
    assert "Showing 1–20 of 70 upcoming bookings" in section_text(home)
    assert "Past and closed* · 15 bookings" in section_text(home)
    assert "<!channel>" not in section_text(home)  # escaped
    seen = 0
    for page in range(1, 5):
        assert len(home["blocks"]) <= 100
        seen += len(buttons(home, ids.CANCEL_ACTION))
        more = [
            b for b in buttons(home, ids.HOME_VIEW_ACTION) if b["text"]["text"].startswith("More")
        ]
        if page == 4:
            assert more == []
            break
        await stack.driver.click(
            "U_ALICE", home["id"], more[0]["action_id"], value=more[0]["value"]
        )  # type: ignore[union-attr]
        first = f"Venue {page * 20:03d}"
        home = await wait_home(stack, "U_ALICE", lambda v, first=first: first in section_text(v))
    assert seen == 70
