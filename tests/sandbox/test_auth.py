"""Token endpoint, bearer checks, scopes, rate limits, correlation ids and fault knobs."""

from __future__ import annotations

import time

import httpx

from .support import TOKEN_BODY, Sandbox


def test_token_is_issued_and_counted(sandbox: Sandbox) -> None:
    first = sandbox.http.post("/oauth/token", json=TOKEN_BODY)
    second = sandbox.http.post("/oauth/token", json=TOKEN_BODY)

    assert first.status_code == 200
    body = first.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"].split() == ["venue:read", "venue-booking:create", "webhook:manage"]
    assert body["access_token"] != second.json()["access_token"]
    assert sandbox.snapshot()["tokens_issued"] == 2


def test_token_accepts_a_form_body(sandbox: Sandbox) -> None:
    response = sandbox.http.post("/oauth/token", data=TOKEN_BODY)

    assert response.status_code == 200
    assert response.json()["access_token"]


def test_wrong_credentials_are_denied_auth0_style(sandbox: Sandbox) -> None:
    for wrong in (
        {"client_secret": "nope"},
        {"client_id": "someone-else"},
        {"audience": "api-sandbox.bookabletech.com"},
        {"grant_type": "password"},
    ):
        response = sandbox.http.post("/oauth/token", json={**TOKEN_BODY, **wrong})
        assert response.status_code == 401, wrong
        assert response.json() == {"error": "access_denied", "error_description": "Unauthorized"}
        assert "nope" not in response.text
    assert sandbox.snapshot()["tokens_issued"] == 0


def test_token_failure_knob_takes_the_endpoint_down_until_cleared(sandbox: Sandbox) -> None:
    sandbox.control("knobs", {"token_failure": 503})
    assert sandbox.http.post("/oauth/token", json=TOKEN_BODY).status_code == 503

    sandbox.control("knobs", {"token_failure": None})
    assert sandbox.http.post("/oauth/token", json=TOKEN_BODY).status_code == 200


def test_token_ttl_knob_and_clock_expire_tokens(sandbox: Sandbox) -> None:
    sandbox.control("knobs", {"token_ttl": 120})
    response = sandbox.http.post("/oauth/token", json=TOKEN_BODY)
    assert response.json()["expires_in"] == 120
    with sandbox.api(response.json()["access_token"]) as api:
        assert api.get("/venues").status_code == 200
        sandbox.control("clock", {"advance": 121})
        expired = api.get("/venues")
    assert expired.status_code == 401
    assert expired.headers["content-type"] == "application/problem+json"


def test_missing_and_unknown_bearer_get_problem_details(sandbox: Sandbox) -> None:
    missing = sandbox.http.get("/venues")
    unknown = sandbox.http.get("/venues", headers={"Authorization": "Bearer not-a-token"})

    for response in (missing, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == 401
        assert problem["isRetryable"] is False


def test_revoked_tokens_stop_working(sandbox: Sandbox, api: httpx.Client) -> None:
    assert api.get("/venues").status_code == 200

    assert sandbox.control("revoke-tokens").json() == {"revoked": 1}

    assert api.get("/venues").status_code == 401


def test_a_token_without_the_scope_gets_403(sandbox: Sandbox) -> None:
    with sandbox.api(sandbox.token(scope="venue:read")) as api:
        assert api.get("/venues").status_code == 200
        response = api.post("/webhooks", json={"callbackUrl": "https://example.com/hook"})
    assert response.status_code == 403
    assert response.json()["status"] == 403


def test_correlation_id_is_echoed_or_generated(api: httpx.Client) -> None:
    echoed = api.get("/venues", headers={"X-Correlation-ID": "11C46F5F-CDEF-4865"})
    generated = api.get("/venues/nope")

    assert echoed.headers["x-correlation-id"] == "11C46F5F-CDEF-4865"
    assert len(generated.headers["x-correlation-id"]) == 36


def test_rate_limit_headers_count_down(api: httpx.Client) -> None:
    first = api.get("/venues")
    second = api.get("/venues/unknown")  # errors count too

    assert first.headers["x-ratelimit-limit"] == "200"
    assert int(first.headers["x-ratelimit-remaining"]) == 199
    assert int(second.headers["x-ratelimit-remaining"]) == 198
    reset = int(first.headers["x-ratelimit-reset"])
    assert time.time() < reset <= time.time() + 61
    assert reset % 60 == 0


def test_rate_limit_window_overflows_to_429_until_the_next_window(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.control("knobs", {"rate_limit": 3})
    statuses = [api.get("/venues").status_code for _ in range(4)]
    limited = api.get("/venues")

    assert statuses == [200, 200, 200, 429]
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.headers["x-ratelimit-remaining"] == "0"
    problem = limited.json()
    assert (problem["code"], problem["isRetryable"], problem["status"]) == ("RATE-R-001", True, 429)

    sandbox.control("clock", {"advance": 60})
    assert api.get("/venues").status_code == 200


def test_rate_limit_next_forces_429s(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.control("knobs", {"rate_limit_next": 2})

    assert [api.get("/venues").status_code for _ in range(3)] == [429, 429, 200]


def test_fail_next_injects_retryable_server_errors(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.control("knobs", {"fail_next": {"count": 2, "status": 503}})

    failures = [api.get("/venues") for _ in range(2)]
    assert api.get("/venues").status_code == 200
    for failure in failures:
        assert failure.status_code == 503
        assert failure.json()["isRetryable"] is True
        assert "x-correlation-id" in failure.headers


def test_latency_knob_delays_api_calls(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.control("knobs", {"latency_ms": 150})
    started = time.monotonic()
    api.get("/venues")

    assert time.monotonic() - started >= 0.15


def test_api_requests_are_counted(sandbox: Sandbox, api: httpx.Client) -> None:
    for _ in range(3):
        api.get("/venues")

    assert sandbox.snapshot()["api_requests"] == 3
