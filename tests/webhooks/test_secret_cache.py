"""The stored webhook secret is re-read on a TTL, and early (at most once a second) after a
signature failed, on a hand-moved clock."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.service.webhooks import SECRET_NAME, WebhookSecretCache
from bot.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def secrets(store: Store) -> tuple[WebhookSecretCache, Clock]:
    settings = Settings(_env_file=None, bookable_env="local")  # type: ignore[call-arg]
    clock = Clock()
    return WebhookSecretCache(store, settings, ttl=10.0, clock=clock), clock


async def test_the_stored_secret_is_kept_for_its_ttl_then_read_again(
    store: Store, secrets: tuple[WebhookSecretCache, Clock]
) -> None:
    cache, clock = secrets
    assert await cache.get() is None  # nothing registered yet: not remembered
    await store.put_secret(SECRET_NAME, "first-secret")
    assert await cache.get() == "first-secret"

    await store.put_secret(SECRET_NAME, "second-secret")
    clock.now += 9.0
    assert await cache.get() == "first-secret"
    clock.now += 2.0
    assert await cache.get() == "second-secret"


async def test_a_forced_reread_happens_at_most_once_a_second(
    store: Store, secrets: tuple[WebhookSecretCache, Clock]
) -> None:
    cache, clock = secrets
    await store.put_secret(SECRET_NAME, "first-secret")
    assert await cache.get() == "first-secret"

    await store.put_secret(SECRET_NAME, "second-secret")
    clock.now += 0.5
    assert await cache.get(refresh=True) == "first-secret"  # just read: not again yet
    clock.now += 0.6
    assert await cache.get(refresh=True) == "second-secret"
