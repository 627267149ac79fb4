"""The Home tab builder (pure): order, buttons, collapsed past, paging, 100 blocks."""

from __future__ import annotations

import datetime as dt

from bot.slack import ids
from bot.slack.blocks.home import MAX_HOME_BLOCKS, PAST_SHOWN, UPCOMING_PAGE, home_view
from bot.slack.ids import HomeRef
from bot.slack.mrkdwn import escape
from bot.store.home import HomeBookings
from bot.store.records import Subscription

from .conftest import HOSTILE, LONG_HOSTILE, make_record
from .support import assert_valid_view, texts


def _buttons(view: dict) -> list[dict]:
    found = []
    for block in view["blocks"]:
        found += [e for e in block.get("elements") or [] if e.get("type") == "button"]
        if (block.get("accessory") or {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def _ids(view: dict, prefix: str) -> list[dict]:
    return [b for b in _buttons(view) if b["action_id"].startswith(prefix)]


def _records(count: int, *, status: str = "confirmed", name: str = "Venue") -> list:
    return [
        make_record(
            booking_id=f"29|CO|{i:032x}",
            venue_name=f"{name} {i:03d}",
            date=dt.date(2030, 1, 1) + dt.timedelta(days=i),
            status=status,
        )
        for i in range(count)
    ]


def _subscription(channel: str, **filters: str | None) -> Subscription:
    return Subscription(
        id=1, team_id="T1", channel_id=channel, venue=filters.get("venue"),
        group=filters.get("group"), status=filters.get("status"), created_by="U_ALICE",
        created_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def test_each_upcoming_booking_has_change_and_cancel_carrying_its_id() -> None:
    upcoming = _records(3)
    view = home_view(HomeBookings(upcoming, 3, [], 0), [])
    assert_valid_view(view)
    assert view["type"] == "home"
    changes, cancels = _ids(view, ids.CHANGE_ACTION), _ids(view, ids.CANCEL_ACTION)
    assert [b["value"] for b in changes] == [r.booking_id for r in upcoming]
    assert [b["value"] for b in cancels] == [r.booking_id for r in upcoming]
    assert all(b["confirm"] for b in cancels)  # Slack asks before cancelling
    assert all(ids.CHANGE_PATTERN.match(b["action_id"]) for b in changes)
    assert all(ids.CANCEL_PATTERN.match(b["action_id"]) for b in cancels)
    assert len(_ids(view, ids.HOME_FIND_ACTION)) == 1
    rendered = texts(view)
    assert rendered.index("Venue 000") < rendered.index("Venue 001") < rendered.index("Venue 002")


def test_nothing_booked_and_no_subscriptions_say_what_to_do() -> None:
    view = home_view(HomeBookings([], 0, [], 0), [])
    assert_valid_view(view)
    rendered = texts(view)
    assert "Nothing booked yet" in rendered and "subscribe" in rendered
    assert "Past and closed" not in rendered
    assert _ids(view, ids.HOME_VIEW_ACTION) == []


def test_past_bookings_are_a_count_until_expanded() -> None:
    past = _records(12, status="cancelled", name="Old")
    collapsed = home_view(HomeBookings([], 0, [], 12), [])
    assert "12 bookings" in texts(collapsed) and "Old 000" not in texts(collapsed)
    [show] = _ids(collapsed, ids.HOME_VIEW_ACTION)
    assert HomeRef.decode(show["value"]) == HomeRef(page=1, past=True)

    expanded = home_view(HomeBookings([], 0, past[:PAST_SHOWN], 12), [], HomeRef(past=True))
    assert_valid_view(expanded)
    assert "Old 009" in texts(expanded) and "Old 010" not in texts(expanded)
    assert "bookings` lists more" in texts(expanded)
    [hide] = _ids(expanded, ids.HOME_VIEW_ACTION)
    assert HomeRef.decode(hide["value"]) == HomeRef(page=1, past=False)
    assert _ids(expanded, ids.CANCEL_ACTION) == []  # nothing to cancel in the past


def test_a_full_page_with_everything_expanded_stays_within_100_blocks() -> None:
    bookings = HomeBookings(
        _records(UPCOMING_PAGE + 5),  # the store never returns more than a page; be safe
        500,
        _records(PAST_SHOWN + 5, status="cancelled"),
        300,
    )
    subscriptions = [_subscription(f"C{i:05d}", venue=LONG_HOSTILE) for i in range(200)]
    view = home_view(bookings, subscriptions, HomeRef(page=3, past=True), notice=escape(HOSTILE))
    assert len(view["blocks"]) <= MAX_HOME_BLOCKS
    assert_valid_view(view)
    assert len(_ids(view, ids.CANCEL_ACTION)) == UPCOMING_PAGE
    rendered = texts(view)
    assert "Showing 41–60 of 500 upcoming bookings" in rendered
    assert "more channels" in rendered  # the subscription list is cut, and says so
    pages = {
        b["text"]["text"]: HomeRef.decode(b["value"]) for b in _ids(view, ids.HOME_VIEW_ACTION)
    }
    assert pages["◀ Previous"] == HomeRef(page=2, past=True)
    assert pages["More ▶"] == HomeRef(page=4, past=True)
    assert HomeRef.decode(view["private_metadata"]) == HomeRef(page=3, past=True)


def test_last_page_has_no_more_button() -> None:
    view = home_view(HomeBookings(_records(5), 25, [], 0), [], HomeRef(page=2))
    labels = [b["text"]["text"] for b in _ids(view, ids.HOME_VIEW_ACTION)]
    assert labels == ["◀ Previous"]


def test_subscriptions_are_grouped_by_channel_and_hostile_filters_escaped() -> None:
    subscriptions = [
        _subscription("C_GENERAL", group="Dishoom"),
        _subscription("C_GENERAL", status="cancelled"),
        _subscription("C_RANDOM", venue=HOSTILE),
    ]
    view = home_view(HomeBookings([], 0, [], 0), subscriptions)
    assert_valid_view(view)  # no raw mention or link markup anywhere
    rendered = texts(view)
    assert rendered.count("<#C_GENERAL>") == 1 and "<#C_RANDOM>" in rendered
    assert "group *Dishoom*; status *cancelled*" in rendered
    assert "&lt;!channel&gt;" in rendered


def test_hostile_booking_names_are_escaped() -> None:
    record = make_record(venue_name=HOSTILE, product_name=LONG_HOSTILE, time="<!here>")
    view = home_view(HomeBookings([record], 1, [], 0), [], notice="Cancelled: x")
    assert_valid_view(view)
    assert "<!here>" not in texts(view)
