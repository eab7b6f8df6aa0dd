"""CORS at the gateway (gateway/cors.py) against the stand-in membership: preflights answered by the
gateway alone, `Access-Control-*` on every answer to an allowed origin (its own errors included), none
for another origin, and no API keys from browser pages. Also `RateLimit-Policy`, which a browser app
can read because it is exposed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings
from tests.conftest import TEST_KEY
from tests.gateway.conftest import access_token, bearer, gw_of, until

APP = "https://app.example.cn"
PORTAL = "https://portal.school.example.cn"
CORS = {"cors_origins": f"{APP}, {PORTAL}, http://localhost:*"}
EN = {"Accept-Language": "en"}


def preflight(origin: str, method: str = "PATCH", headers: str = "authorization, content-type, if-match"):
    return {"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}


async def test_a_preflight_from_an_allowed_origin_is_answered_by_the_gateway_alone(gateway, fake):
    membership, _, _ = fake
    # One anonymous token per client address: were preflights taking from it, the GET would be 429.
    async with gateway(**CORS, rate_limit_anonymous_burst=1, rate_limit_anonymous_per_minute=1) as client:
        await until(lambda: bool(gw_of(client).auth.jwt.keys))  # the start-up JWKS fetch is done
        before = len(membership.callers)
        for path in ("/v1/organizations/x", "/v1/learners", "/v1/no-such-thing", "/openapi.json"):
            r = await client.options(path, headers=preflight(APP))
            assert r.status_code == 204, r.text
            assert r.headers["access-control-allow-origin"] == APP
            assert "PATCH" in r.headers["access-control-allow-methods"]
            allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
            assert {"authorization", "content-type", "if-match", "if-none-match", "idempotency-key"} <= allowed
            assert "x-api-key" not in allowed  # keys belong to servers
            assert r.headers["access-control-max-age"] == "600"
            assert "access-control-allow-credentials" not in r.headers  # auth travels in headers, not cookies
            assert "ratelimit-limit" not in r.headers
        assert len(membership.callers) == before  # no service was asked
        r = await client.get("/v1/learners", headers={"Origin": APP})
        assert r.status_code == 200, r.text
        assert r.headers["ratelimit-remaining"] == "0"  # the first request taken from the bucket


async def test_a_call_from_an_allowed_origin_carries_the_cors_headers(gateway):
    async with gateway(**CORS) as client:
        await until(lambda: bool(gw_of(client).auth.jwt.keys))
        for origin in (APP, PORTAL, "http://localhost:5173", "http://localhost"):
            r = await client.get("/v1/organizations/x", headers={**bearer(access_token()), "Origin": origin})
            assert r.status_code == 200, r.text
            assert r.headers["access-control-allow-origin"] == origin
            exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
            assert {
                "etag",
                "location",
                "retry-after",
                "www-authenticate",
                "content-disposition",
                "ratelimit-limit",
                "ratelimit-remaining",
                "ratelimit-reset",
                "ratelimit-policy",
            } <= exposed
            assert "origin" in r.headers["vary"].lower()
            assert "access-control-allow-credentials" not in r.headers
            assert r.json()["principal"]["subject"] == "test-platform-admin"


async def test_another_origin_gets_no_cors_headers(gateway, fake):
    membership, _, _ = fake
    async with gateway(**CORS) as client:
        await until(lambda: bool(gw_of(client).auth.jwt.keys))
        before = len(membership.callers)
        for origin in (
            "https://evil.example.com",
            "https://app.example.cn.evil.com",
            "http://app.example.cn",  # another scheme is another origin
            "http://localhost.evil.com",
            "http://localhost:5173.evil.com",
            "null",
        ):
            r = await client.options("/v1/organizations/x", headers={**preflight(origin), **EN})
            assert r.status_code == 403, (origin, r.text)
            assert "access-control-allow-origin" not in r.headers
            assert r.headers["content-type"].startswith("application/problem+json")
            body = r.json()
            assert body["rule"] == "cors-origin-not-allowed" and "cors_origins" in body["detail"]
            r = await client.get("/v1/organizations/x", headers={**bearer(access_token()), "Origin": origin})
            assert r.status_code == 200  # a server may call; a browser will not hand the answer to the page
            assert not any(k.startswith("access-control-") for k in r.headers)
        assert len(membership.callers) == before
        r = await client.get("/v1/organizations/x")  # no Origin: a cache must not give this one to a page
        assert "origin" in r.headers["vary"].lower() and "access-control-allow-origin" not in r.headers
        r = await client.options("/v1/organizations/x", headers=preflight("https://evil.example.com"))
        assert r.json()["detail"] == "该来源（Origin）不在网关的跨域允许列表中（cors_origins）"


async def test_the_gateway_s_own_errors_carry_the_cors_headers(gateway):
    async with gateway(**CORS, rate_limit_burst=1, rate_limit_per_minute=1, max_body_bytes=2048) as client:
        await until(lambda: bool(gw_of(client).auth.jwt.keys))
        origin = {"Origin": APP}
        r = await client.get("/v1/organizations/x", headers={**bearer("not-a-jwt"), **origin})
        assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]
        answers = [r]
        answers.append(await client.get("/v1/no-such-thing", headers=origin))
        assert answers[-1].status_code == 404
        token = bearer(access_token("cors-user"))
        answers.append(await client.post("/v1/organizations", content=b"x" * 4096, headers={**token, **origin}))
        assert answers[-1].status_code == 413
        assert (await client.get("/v1/organizations/x", headers={**token, **origin})).status_code == 200
        answers.append(await client.get("/v1/organizations/x", headers={**token, **origin}))
        assert answers[-1].status_code == 429 and answers[-1].headers["retry-after"]
        for r in answers:
            assert r.headers["access-control-allow-origin"] == APP, r.status_code
            assert "www-authenticate" in r.headers["access-control-expose-headers"].lower()


async def test_an_api_key_from_a_browser_origin_is_refused(gateway, fake):
    membership, _, _ = fake
    membership.add_key("cjk_cors_browser_key_0001")
    key = {"X-API-Key": "cjk_cors_browser_key_0001"}
    async with gateway(**CORS) as client:
        r = await client.get("/v1/organizations/x", headers=key)  # from a server: fine
        assert r.status_code == 200 and r.json()["principal"]["kind"] == "api_key"
        before = membership.introspections
        for origin in (APP, "https://evil.example.com"):
            r = await client.get("/v1/organizations/x", headers={**key, "Origin": origin, **EN})
            assert r.status_code == 403, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            body = r.json()
            assert body["rule"] == "api-key-not-from-browser"
            assert "X-API-Key" in body["detail"] and "browser" in body["detail"]
            assert "cjk_cors_browser_key_0001" not in r.text
        assert r.headers.get("access-control-allow-origin") is None  # the evil origin: no CORS either
        r = await client.get("/v1/organizations/x", headers={**key, "Origin": APP})
        assert "X-API-Key" in r.json()["detail"] and "浏览器" in r.json()["detail"]
        assert membership.introspections == before  # refused before the key was looked at
        # The gateway's own pages (its API docs' "try it out") are not another site.
        r = await client.get("/v1/organizations/x", headers={**key, "Origin": "http://gateway"})
        assert r.status_code == 200 and r.json()["principal"]["kind"] == "api_key"


async def test_rate_limit_policy_shows_the_sustained_rate(gateway):
    async with gateway(**CORS, rate_limit_per_minute=600, rate_limit_burst=50) as client:
        await until(lambda: bool(gw_of(client).auth.jwt.keys))
        r = await client.get("/v1/organizations/x", headers={**bearer(access_token()), "Origin": APP})
        assert r.headers["ratelimit-policy"] == "600;w=60;burst=50"
        assert r.headers["ratelimit-limit"] == "50"
        r = await client.get("/v1/organizations/x")  # anonymous: the per-IP bucket's own figures
        assert r.headers["ratelimit-policy"] == "300;w=60;burst=60"


def test_allowed_origins_default_to_localhost_only_in_development():
    dev = GatewaySettings(environment="development")
    assert dev.cors_origin_list() == ["http://localhost:*", "http://127.0.0.1:*"]
    assert GatewaySettings(environment="production", internal_token_key=TEST_KEY).cors_origin_list() == []
    assert GatewaySettings(environment="test", internal_token_key=TEST_KEY).cors_origin_list() == []
    assert GatewaySettings(environment="development", cors_origins="").cors_origin_list() == []
    assert GatewaySettings(cors_origins=" https://a.cn/ ,https://b.cn:8443").cors_origin_list() == [
        "https://a.cn",
        "https://b.cn:8443",
    ]
    for bad in ("*", "https://*.example.cn", "app.example.cn", "https://a.cn/path"):
        with pytest.raises(ValidationError, match="cors_origins"):
            GatewaySettings(cors_origins=bad)
