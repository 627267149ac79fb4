"""Channel subscriptions: idempotent add, exact remove, and event matching."""

from __future__ import annotations

from bot.store import Store, Subscription


async def _add(store: Store, channel: str = "C1", **filters: str | None) -> Subscription:
    return await store.add_subscription("T1", channel, created_by="U1", **filters)


async def test_add_is_idempotent_on_the_same_filters(store: Store) -> None:
    first = await _add(store, venue="Dishoom", status="confirmed")
    again = await _add(store, venue="  dishoom ", status="CONFIRMED")
    assert again.id == first.id
    assert (first.venue, first.group, first.status) == ("Dishoom", None, "confirmed")
    assert (first.team_id, first.channel_id, first.created_by) == ("T1", "C1", "U1")
    assert first.created_at.tzinfo is not None

    other = await _add(store, venue="Dishoom")
    assert other.id != first.id
    assert len(await store.list_subscriptions("T1", "C1")) == 2


async def test_list_by_team_and_channel(store: Store) -> None:
    a = await _add(store, "C1")
    b = await _add(store, "C2", group="Hawksmoor")
    await store.add_subscription("T2", "C9", created_by="U9")
    assert await store.list_subscriptions("T1") == [a, b]
    assert await store.list_subscriptions("T1", "C2") == [b]
    assert await store.list_subscriptions("T3") == []


async def test_remove_exact_filters_only(store: Store) -> None:
    await _add(store, venue="Dishoom")
    keep = await _add(store, venue="Dishoom", status="cancelled")
    assert await store.remove_subscriptions("T1", "C1", venue="DISHOOM") == 1
    assert await store.list_subscriptions("T1", "C1") == [keep]
    assert await store.remove_subscriptions("T1", "C1", venue="Nowhere") == 0


async def test_remove_without_filters_clears_the_channel(store: Store) -> None:
    await _add(store, "C1")
    await _add(store, "C1", venue="Dishoom")
    other = await _add(store, "C2")
    assert await store.remove_subscriptions("T1", "C1") == 2
    assert await store.list_subscriptions("T1") == [other]


async def test_matching(store: Store) -> None:
    everything = await _add(store, "C-all")
    by_venue = await _add(store, "C-venue", venue="shoreditch")
    by_group = await _add(store, "C-group", group="DISHOOM")
    by_status = await _add(store, "C-status", status="cancelled")
    combined = await _add(store, "C-both", venue="Dishoom", status="confirmed")
    await _add(store, "C-other", venue="Hawksmoor")

    async def channels(venue: str | None, group: str | None, status: str | None) -> set[str]:
        found = await store.matching_subscriptions(
            venue_name=venue, group_name=group, status=status
        )
        return {subscription.channel_id for subscription in found}

    assert await channels("Dishoom Shoreditch", "Dishoom", "confirmed") == {
        everything.channel_id,
        by_venue.channel_id,
        by_group.channel_id,
        combined.channel_id,
    }
    assert await channels("Dishoom Shoreditch", "Dishoom", "Cancelled") == {
        everything.channel_id,
        by_venue.channel_id,
        by_group.channel_id,
        by_status.channel_id,
    }
    # Unknown names never match a filter on them; unfiltered subscriptions still match.
    assert await channels(None, None, "confirmed") == {everything.channel_id}
    assert await channels(None, None, None) == {everything.channel_id}


async def test_matching_is_unicode_case_insensitive_and_literal(store: Store) -> None:
    await _add(store, "C-umlaut", venue="MÜNCHEN")
    await _add(store, "C-percent", venue="100%")
    found = await store.matching_subscriptions(
        venue_name="Bräu München", group_name=None, status="pending"
    )
    assert [subscription.channel_id for subscription in found] == ["C-umlaut"]
    found = await store.matching_subscriptions(
        venue_name="Bar 100% Agave", group_name=None, status="pending"
    )
    assert [subscription.channel_id for subscription in found] == ["C-percent"]
