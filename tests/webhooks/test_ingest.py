"""POST /webhooks/bookable: signatures, rejections, dedupe, storage failures, wake-up."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlalchemy import text

from bot.devtools.fake_slack import FakeSlack
from bot.store import Store

from .conftest import WebhookServer
from .support import (
    WEBHOOK_SECRET,
    at,
    booking_json,
    envelope,
    outbox_drained,
    seed_booking,
    sign,
)

pytestmark = pytest.mark.timeout(60)


async def _count(store: Store, table: str) -> int:
    async with store.engine.connect() as connection:
        return int((await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(lambda body: sign(body, encoding="hex"), id="hex"),
        pytest.param(lambda body: sign(body, encoding="HEX"), id="HEX"),
        pytest.param(lambda body: sign(body, encoding="base64"), id="base64"),
        pytest.param(lambda body: "sha256=" + sign(body, encoding="hex"), id="sha256=hex"),
        pytest.param(lambda body: "SHA256=" + sign(body, encoding="base64"), id="sha256=base64"),
    ],
)
async def test_signature_forms_are_accepted(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    signature: Callable[[bytes], str],
) -> None:
    server = webhook_server()
    body = envelope(booking_json("29|CO|b1", "confirmed", at(1)))

    response = await server.post(body, signature=signature(body))

    assert response.status_code == 204
    assert await _count(store, "webhook_events") == 1
    assert (await store.outbox_stats())["pending"] == 1


def _two_mib() -> bytes:
    filler = "x" * (2 * 1024 * 1024)
    return envelope(booking_json("29|CO|big", "confirmed", at(1), reason=filler))


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start : start + 64 * 1024]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("bad signature", 401),
        ("missing header", 401),
        ("signature of another secret", 401),
        ("truncated body", 400),
        ("not JSON", 400),
        ("wrong JSON shape", 400),
        ("bad status type", 400),
        ("2 MiB body", 413),
    ],
)
async def test_rejected_requests_store_and_post_nothing(
    webhook_server: Callable[..., WebhookServer],
    store: Store,
    fake: FakeSlack,
    case: str,
    expected: int,
) -> None:
    # A running notifier: anything that slipped into the outbox would reach Slack.
    server = webhook_server(notifier={"poll_interval": 0.05})
    record = await seed_booking(store, fake, "29|CO|b1")
    valid = envelope(booking_json("29|CO|b1", "confirmed", at(1)))
    body, signature, signed = valid, None, True
    if case == "bad signature":
        signature = "0" * 64
    elif case == "missing header":
        signed = False
    elif case == "signature of another secret":
        signature = sign(valid, secret="not-the-webhook-secret")
    elif case == "truncated body":
        body = valid[: len(valid) // 2]
    elif case == "not JSON":
        body = b"bookings=confirmed"
    elif case == "wrong JSON shape":
        body = b'{"eventType": "booking.updated", "bookings": [{"status": "confirmed"}]}'
    elif case == "bad status type":
        body = envelope({**booking_json("29|CO|b1", "confirmed", at(1)), "status": 7})
    elif case == "2 MiB body":
        body = _two_mib()

    response = await server.post(body, signature=signature, signed=signed)

    assert response.status_code == expected
    assert await _count(store, "webhook_events") == 0
    assert await _count(store, "outbox") == 0
    # A valid delivery after it, processed to the end: the refused one added nothing.
    assert (await server.post(valid)).status_code == 204
    await outbox_drained(store)
    assert await _count(store, "webhook_events") == 1
    assert len(fake.thread("C_GENERAL", record.message_ts or "")) == 1
    assert len(fake.calls_to("chat.postMessage")) == 1


async def test_streamed_body_over_limit_is_refused_without_content_length(
    webhook_server: Callable[..., WebhookServer], store: Store
) -> None:
    server = webhook_server()
    body = _two_mib()
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            server.url, content=_chunks(body), headers={"x-api-key": sign(body)}
        )
    assert response.status_code == 413
    assert await _count(store, "webhook_events") == 0


async def test_duplicates_are_accepted_and_posted_once(
    webhook_server: Callable[..., WebhookServer], store: Store, fake: FakeSlack
) -> None:
    server = webhook_server(notifier={"poll_interval": 0.05})
    record = await seed_booking(store, fake, "29|CO|dup")
    body = envelope(booking_json("29|CO|dup", "confirmed", at(1)))
    # Same change twice in one delivery, then redelivered (re-serialised differently).
    twice = envelope(*[booking_json("29|CO|dup", "confirmed", at(1))] * 2)

    responses = [await server.post(body), await server.post(twice), await server.post(body)]

    assert [r.status_code for r in responses] == [204, 204, 204]
    assert record.message_ts is not None
    await fake.wait_for(lambda: fake.thread("C_GENERAL", record.message_ts or ""))
    await outbox_drained(store)  # every job finished: nothing more can arrive
    assert len(fake.thread("C_GENERAL", record.message_ts)) == 1
    assert await _count(store, "webhook_events") == 1


async def test_one_event_per_booking_in_the_envelope(
    webhook_server: Callable[..., WebhookServer], store: Store
) -> None:
    server = webhook_server()
    body = envelope(
        booking_json("29|CO|a", "confirmed", at(1)),
        booking_json("29|CO|b", "Cancelled", at(2), reason="Declined by the venue"),
        booking_json("29|CO|c", "seated", at(3)),  # a status Bookable may add later
    )
    assert (await server.post(body)).status_code == 204
    async with store.engine.connect() as connection:
        rows = (
            await connection.execute(
                text("SELECT booking_id, status, event_type FROM webhook_events ORDER BY id")
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("29|CO|a", "confirmed", "booking.updated"),
        ("29|CO|b", "cancelled", "booking.updated"),
        ("29|CO|c", "seated", "booking.updated"),
    ]


async def test_store_failure_answers_503_and_writes_nothing(
    webhook_server: Callable[..., WebhookServer], store: Store
) -> None:
    server = webhook_server()
    async with store.engine.begin() as connection:
        await connection.execute(text("DROP TABLE outbox"))  # the second insert will fail

    response = await server.post(envelope(booking_json("29|CO|x", "confirmed", at(1))))

    assert response.status_code == 503
    assert await _count(store, "webhook_events") == 0  # the event insert was rolled back


@pytest.mark.parametrize("settings_overrides", [{"bookable_webhook_secret": None}])
async def test_secret_comes_from_the_store_when_not_set(
    webhook_server: Callable[..., WebhookServer], store: Store
) -> None:
    server = webhook_server()
    body = envelope(booking_json("29|CO|s", "confirmed", at(1)))

    unconfigured = await server.post(body)
    await store.put_secret("bookable_webhook_secret", "stored-secret-value-123")
    signed_with_stored = await server.post(body, signature=sign(body, "stored-secret-value-123"))

    assert unconfigured.status_code == 503  # no secret anywhere yet: Bookable should retry
    assert signed_with_stored.status_code == 204  # picked up without waiting for the cache


@pytest.mark.parametrize("settings_overrides", [{"bookable_webhook_secret": "env-secret-wins-42"}])
async def test_setting_overrides_the_stored_secret(
    webhook_server: Callable[..., WebhookServer], store: Store
) -> None:
    await store.put_secret("bookable_webhook_secret", WEBHOOK_SECRET)
    server = webhook_server()
    body = envelope(booking_json("29|CO|o", "confirmed", at(1)))

    assert (await server.post(body, signature=sign(body, WEBHOOK_SECRET))).status_code == 401
    assert (await server.post(body, signature=sign(body, "env-secret-wins-42"))).status_code == 204


async def test_logs_the_encoding_once_and_never_the_secret_or_personal_data(
    webhook_server: Callable[..., WebhookServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.service.webhooks")
    server = webhook_server()
    first = envelope(booking_json("29|CO|l1", "confirmed", at(1)))
    second = envelope(booking_json("29|CO|l2", "confirmed", at(2)))
    bad_shape = b'{"eventType": "booking.updated", "timestamp": "x", "bookings": []}'

    await server.post(first, signature=sign(first, encoding="base64"))
    await server.post(second, signature=sign(second, encoding="base64"))
    await server.post(bad_shape)
    await server.post(envelope({**booking_json("29|CO|l3", "confirmed", at(3)), "id": ""}))

    messages = [record.getMessage() for record in caplog.records]
    assert sum("base64-encoded" in message for message in messages) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("rejected" in message for message in warnings)
    joined = "\n".join(messages)
    for private in (WEBHOOK_SECRET, "john.doe@example.com", "+1234567890", "Doe"):
        assert private not in joined


async def test_notifier_is_woken_without_waiting_for_its_poll(
    webhook_server: Callable[..., WebhookServer], store: Store, fake: FakeSlack
) -> None:
    # An hour's poll: only the ingest's wake-up can explain the post.
    server = webhook_server(notifier={"poll_interval": 3600.0})
    record = await seed_booking(store, fake, "29|CO|wake")
    notifier = server.notifier
    assert notifier is not None
    await fake.wait_for(lambda: notifier.idle)  # settled into its long wait

    response = await server.post(envelope(booking_json("29|CO|wake", "confirmed", at(1))))

    assert response.status_code == 204
    await fake.wait_for(lambda: fake.thread("C_GENERAL", record.message_ts or ""), within=30)
