"""Realistic `/bookable` traffic: search texts, users, and pre-signed commands and clicks."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.controls import FakeSlackControl
from bench.harness import SLACK_SIGNING_SECRET
from bench.load import HttpRequest
from bench.slack_requests import (
    SignedRequest,
    SlackSigner,
    bench_user_ids,
    block_action_body,
    find_buttons,
    slash_command_body,
)

CHANNEL = "C_GENERAL"
BOOK_ACTION_PREFIX = "book_product"
# ~30 distinct searches people would type (names, groups, features, cities).
QUERIES: tuple[str, ...] = (
    "search dishoom",
    "search hawksmoor",
    "search pasta",
    "search copper kettle",
    "search saltwater",
    "search green fig",
    "search lantern house",
    'search "bancroft & vale"',
    "search kiln yard",
    "search botanist",
    "search bramble",
    "search harbour lights",
    "search group:dishoom",
    "search group:hawksmoor party:4",
    'search group:"pasta nostra" date:tomorrow',
    "search feature:dog_friendly",
    "search feature:vegetarian",
    "search feature:romantic party:2",
    "search feature:seafood",
    "search feature:family_friendly party:6",
    "search feature:karaoke",
    "search feature:wheelchair_accessible",
    "search feature:live_music",
    "search dishoom shoreditch",
    "search hawksmoor borough party:8",
    "search pasta soho date:friday",
    "search saltwater leith",
    "search green fig hackney party:3",
    "search lantern chinatown",
    "search copper kettle camden feature:tv_sports",
)


def user_ids(count: int) -> list[str]:
    return bench_user_ids(count)


@dataclass
class Minted:
    """Response URLs and trigger ids per user, handed out one per request."""

    response_urls: dict[str, list[str]]
    trigger_ids: dict[str, list[str]]

    def take(self, user: str) -> tuple[str, str]:
        urls, triggers = self.response_urls[user], self.trigger_ids[user]
        url = urls.pop() if len(urls) > 1 else urls[0]
        trigger = triggers.pop() if len(triggers) > 1 else triggers[0]
        return url, trigger


async def mint(
    fake: FakeSlackControl,
    users: Sequence[str],
    per_user: int,
    *,
    message_ts: str | None = None,
    triggers: bool = True,
) -> Minted:
    async def for_user(user: str) -> tuple[str, list[str], list[str]]:
        urls = await fake.response_urls(CHANNEL, user, per_user, message_ts=message_ts)
        trigger_ids = await fake.trigger_ids(user, per_user if triggers else 1)
        return user, urls, trigger_ids

    minted = await asyncio.gather(*(for_user(user) for user in users))
    return Minted({u: urls for u, urls, _ in minted}, {u: ids for u, _, ids in minted})


class TrafficBuilder:
    def __init__(self, signing_secret: str = SLACK_SIGNING_SECRET, seed: int = 7) -> None:
        self.signer = SlackSigner(signing_secret)
        self.random = random.Random(seed)

    def search(
        self,
        text: str,
        user: str,
        response_url: str,
        trigger_id: str,
        *,
        channel: str = CHANNEL,
    ) -> SignedRequest:
        """Any `/bookable …` command (searches, and `subscribe` for the notifier scenario)."""
        body = slash_command_body(
            text, user_id=user, channel_id=channel, response_url=response_url,
            trigger_id=trigger_id, channel_name=channel.lower(),
        )  # fmt: skip
        return self.signer.sign(body)

    def click(
        self,
        action: dict[str, Any],
        message: dict[str, Any],
        user: str,
        response_url: str,
        trigger_id: str,
    ) -> SignedRequest:
        body = block_action_body(
            action, user_id=user, channel_id=CHANNEL, message=message,
            response_url=response_url, trigger_id=trigger_id,
        )  # fmt: skip
        return self.signer.sign(body)

    def mix(
        self,
        count: int,
        users: Sequence[str],
        minted: Minted,
        book: tuple[dict[str, Any], dict[str, Any]] | None,
    ) -> list[SignedRequest]:
        """Alternating searches and Book clicks (searches only when `book` is None)."""
        queries = itertools.cycle(self.random.sample(QUERIES, len(QUERIES)))
        built: list[SignedRequest] = []
        for index in range(count):
            user = users[index % len(users)]
            url, trigger = minted.take(user)
            if book is not None and index % 2:
                action, message = book
                built.append(self.click(action, message, user, url, trigger))
            else:
                built.append(self.search(next(queries), user, url, trigger))
        return built


def to_target(requests: Sequence[SignedRequest], url: str) -> list[HttpRequest]:
    return [HttpRequest(url, request.body, request.headers) for request in requests]


def book_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return find_buttons(message, BOOK_ACTION_PREFIX)
