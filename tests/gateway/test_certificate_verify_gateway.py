"""Public certificate verification through the gateway, anonymous, against the real training service: the request
reaches the route (no credentials asked), the gateway's per-IP verification bucket answers 429 with `Retry-After`
once it is empty, and the bucket is as large as the settings say (`rate_limit_verify_per_minute` / `_burst`)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

import httpx

from gateway.main import create_app
from gateway.settings import GatewaySettings
from tests.conftest import TEST_KEY
from tests.gateway.conftest import UNLIMITED, Platform
from tests.training.certificate_verify_support import issue, training_app

VERIFY = "/v1/certificates/verify"


@asynccontextmanager
async def gateway_before(platform: Platform, **limits: Any):
    """Another gateway in front of the platform's services, with its own rate limits."""
    up = platform.upstreams
    gw = create_app(
        GatewaySettings(
            internal_token_key=TEST_KEY,
            environment="test",
            membership_url=up["membership"].url,
            training_url=up["training"].url,
            matching_url=up["matching"].url,
            **{**UNLIMITED, **limits},
        )
    )
    async with gw.inner.router.lifespan_context(gw.inner):
        transport = httpx.ASGITransport(app=gw, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


async def test_anonymous_verification_reaches_the_route(platform: Platform) -> None:
    org = (
        await platform.client.post(
            "/v1/organizations", json={"name": "核验测试学校", "org_type": "higher_vocational", "region_code": "370702"}
        )
    ).json()
    cert = await issue(training_app(platform), holder_org_id=org["id"])
    r = await platform.anonymous.get(VERIFY, params={"code": cert.code})
    assert r.status_code == 200, r.text
    assert r.json()["holder_name_masked"] == "张*明"
    assert r.headers["cache-control"] == "public, max-age=60" and r.headers["etag"]
    keys = await platform.anonymous.get("/v1/certificates/verification-key")
    assert keys.status_code == 200 and keys.json()["keys"][0]["crv"] == "Ed25519"
    missing = await platform.anonymous.get(VERIFY, params={"code": "A" * 32})
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    doc = (await platform.anonymous.get("/openapi.json")).json()
    for path in (VERIFY, "/v1/certificates/verification-key"):
        assert doc["paths"][path]["get"]["x-access"] == {"public": True}, path
        assert doc["paths"][path]["get"]["security"] == []


async def test_the_verify_bucket_answers_429_with_retry_after_and_is_raised_by_settings(platform: Platform) -> None:
    org = (
        await platform.client.post(
            "/v1/organizations", json={"name": "限流测试学校", "org_type": "higher_vocational", "region_code": "370702"}
        )
    ).json()
    cert = await issue(training_app(platform), holder_org_id=org["id"])
    async with gateway_before(platform, rate_limit_verify_per_minute=6, rate_limit_verify_burst=2) as client:
        for _ in range(2):
            assert (await client.get(VERIFY, params={"code": cert.code})).status_code == 200
        r = await client.get(VERIFY, params={"code": cert.code})
        assert r.status_code == 429 and r.headers["content-type"].startswith("application/problem+json")
        assert int(r.headers["retry-after"]) >= 1
        assert r.headers["ratelimit-policy"] == "6;w=60;burst=2"
        # Other routes of the same client are not held back by the verification bucket.
        assert (await client.get("/v1/certificates/verification-key")).status_code == 200
    async with gateway_before(platform, rate_limit_verify_per_minute=6000, rate_limit_verify_burst=50) as client:
        statuses = [(await client.get(VERIFY, params={"code": cert.code})).status_code for _ in range(30)]
        assert statuses == [200] * 30
