"""Credentials through the gateway against the real membership service: its JWKS, logins, API keys
(introspected, cached, revoked), service principals calling through the gateway, and the login throttle
keyed by the client address the gateway establishes."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from chanjiao.service_client import make_service_client, service_token_headers
from gateway.main import create_app
from gateway.settings import GatewaySettings
from services.matching.settings import MatchingSettings
from services.training.settings import TrainingSettings
from tests.conftest import TEST_KEY
from tests.gateway.conftest import BOOTSTRAP_ADMIN, ISSUER, UNLIMITED, access_token, assert_401, bearer
from tests.membership.test_identity_auth import frozen_clock

EN = {"Accept-Language": "en"}


@asynccontextmanager
async def second_gateway(platform, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Another gateway in front of the platform's services, with its own settings."""
    ups = platform.upstreams
    gw = create_app(
        GatewaySettings(
            internal_token_key=TEST_KEY,
            environment="test",
            membership_url=ups["membership"].url,
            training_url=ups["training"].url,
            matching_url=ups["matching"].url,
            **{**UNLIMITED, **overrides},
        )
    )
    async with gw.inner.router.lifespan_context(gw.inner):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gw), base_url="http://gateway") as client:
            yield client


async def new_org(platform, name: str | None = None) -> dict[str, Any]:
    body = {"name": name or f"身份测试单位{uuid.uuid4().hex[:6]}", "org_type": "enterprise", "region_code": "370102"}
    r = await platform.client.post("/v1/organizations", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def test_the_gateway_verifies_with_membership_s_jwks(platform):
    r = await platform.anonymous.get("/v1/auth/jwks")
    assert r.status_code == 200
    assert [k["kid"] for k in r.json()["keys"]] == [ISSUER.kid]
    assert set(platform.gateway.auth.jwt.keys) == {ISSUER.kid}
    assert platform.gateway.auth.jwks_loaded_at is not None


async def test_anonymous_writes_are_401_with_www_authenticate(platform):
    r = await platform.anonymous.post(
        "/v1/organizations", json={"name": "匿名写入", "org_type": "other", "region_code": "110105"}
    )
    assert_401(r)
    assert "ratelimit-limit" in r.headers  # answered by the service, through the gateway


async def test_a_user_logs_in_refreshes_reads_me_and_logs_out(platform):
    login, password = BOOTSTRAP_ADMIN
    r = await platform.anonymous.post(
        "/v1/auth/token", data={"grant_type": "password", "username": login, "password": password}
    )
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900
    me = await platform.anonymous.get("/v1/users/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["login"] == login and me.json()["is_platform_admin"] is True
    r = await platform.anonymous.post(
        "/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert r.status_code == 200, r.text
    refreshed = r.json()
    assert (await platform.anonymous.get("/v1/users/me", headers=bearer(refreshed["access_token"]))).status_code == 200
    r = await platform.anonymous.post("/v1/auth/logout", json={"refresh_token": refreshed["refresh_token"]})
    assert r.status_code in (200, 204)
    r = await platform.anonymous.post("/v1/auth/refresh", json={"refresh_token": refreshed["refresh_token"]})
    assert r.status_code in (400, 401)


async def test_an_app_on_a_flaky_network_refreshes_an_expired_token_and_keeps_its_session(platform):
    login, password = BOOTSTRAP_ADMIN
    r = await platform.anonymous.post(
        "/v1/auth/token", data={"grant_type": "password", "username": login, "password": password}
    )
    tokens = r.json()
    expired, _ = ISSUER.issue(
        user_id="u", session_id="s", org_id=None, roles=(), alliances=(), scopes=(), now=time.time() - 7200
    )
    r = await platform.anonymous.get("/v1/users/me", headers=bearer(expired))
    assert r.status_code == 401 and r.json()["type"] == "urn:chanjiao:problem:invalid-token"
    assert 'error="invalid_token"' in r.headers["www-authenticate"]  # the app knows to refresh
    body = {"refresh_token": tokens["refresh_token"]}
    lost = await platform.anonymous.post("/v1/auth/refresh", json=body)  # the answer never reaches the phone
    assert lost.status_code == 200, lost.text
    retried = await platform.anonymous.post("/v1/auth/refresh", json=body)
    assert retried.status_code == 200, retried.text
    assert retried.json()["refresh_token"] == lost.json()["refresh_token"]
    me = await platform.anonymous.get("/v1/users/me", headers=bearer(retried.json()["access_token"]))
    assert me.status_code == 200 and me.json()["login"] == login


async def test_refreshes_at_the_token_endpoint_do_not_use_up_the_login_bucket(platform):
    login, password = BOOTSTRAP_ADMIN
    async with second_gateway(platform, rate_limit_login_per_minute=1, rate_limit_login_burst=1) as gw:
        r = await gw.post("/v1/auth/token", data={"grant_type": "password", "username": login, "password": password})
        assert r.status_code == 200, r.text
        token = r.json()["refresh_token"]
        for _ in range(3):  # the form body read by the gateway reaches membership intact
            r = await gw.post("/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": token})
            assert r.status_code == 200, r.text
            assert r.json()["refresh_token"] != token
            token = r.json()["refresh_token"]
        r = await gw.post("/v1/auth/token", data={"grant_type": "password", "username": login, "password": password})
        assert r.status_code == 429


async def test_an_org_admin_s_token_writes_its_own_org_only(platform):
    mine, theirs = await new_org(platform), await new_org(platform)
    token = access_token(f"{uuid.uuid4()}", org_id=mine["id"], roles=("org_admin",))
    r = await platform.anonymous.patch(
        f"/v1/organizations/{mine['id']}", json={"name": f"{mine['name']}（改）"}, headers=bearer(token)
    )
    assert r.status_code == 200, r.text
    r = await platform.anonymous.patch(
        f"/v1/organizations/{theirs['id']}", json={"name": "他单位改名"}, headers={**bearer(token), **EN}
    )
    assert r.status_code == 403, r.text


async def test_an_api_key_through_the_gateway_then_revoked(platform):
    org, other = await new_org(platform), await new_org(platform)
    r = await platform.client.post(
        "/v1/api-keys",
        json={"name": "教务系统", "org_id": org["id"], "scopes": ["membership:read", "membership:write"]},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    key = {"X-API-Key": created["key"]}
    async with second_gateway(platform, api_key_cache_ttl_seconds=0.5) as client:
        r = await client.patch(f"/v1/organizations/{org['id']}", json={"name": f"{org['name']}（系统改）"}, headers=key)
        assert r.status_code == 200, r.text
        r = await client.patch(f"/v1/organizations/{other['id']}", json={"name": "越权改名"}, headers={**key, **EN})
        assert r.status_code == 403, r.text
        r = await client.get("/v1/users/me", headers=key)
        assert r.status_code == 403  # accounts are for users
        reader = await platform.client.post(
            "/v1/api-keys", json={"name": "只读", "org_id": org["id"], "scopes": ["membership:read"]}
        )
        r = await client.patch(
            f"/v1/organizations/{org['id']}",
            json={"name": "只读改名"},
            headers={"X-API-Key": reader.json()["key"], **EN},
        )
        assert r.status_code == 403 and r.json()["detail"] == "Missing scope: membership:write"
        r = await platform.client.post(f"/v1/api-keys/{created['id']}/revoke")
        assert r.status_code == 200 and r.json()["active"] is False
        # still accepted from the gateway's cache within the TTL, refused after it
        assert (await client.get(f"/v1/organizations/{org['id']}", headers=key)).status_code == 200
        await asyncio.sleep(0.6)
        assert_401(await client.get(f"/v1/organizations/{org['id']}", headers=key))


async def test_a_service_principal_reads_through_the_gateway_but_cannot_write(platform):
    org = await new_org(platform)
    training = TrainingSettings(internal_token_key=TEST_KEY, environment="test", database_url="postgresql://x/y")
    async with make_service_client(training, transport=httpx.ASGITransport(app=platform.gateway)) as client:
        r = await client.get(f"/v1/organizations/{org['id']}")
        assert r.status_code == 200 and r.json()["id"] == org["id"]
        r = await client.post(
            "/v1/organizations", json={"name": "服务写入", "org_type": "other", "region_code": "110105"}, headers=EN
        )
        # A service principal holds read scopes only: the refusal names the scope it lacks.
        assert r.status_code == 403 and "membership:write" in r.json()["detail"]
    matching = MatchingSettings(internal_token_key=TEST_KEY, environment="test", database_url="postgresql://x/y")
    r = await platform.anonymous.get(f"/v1/organizations/{org['id']}", headers=service_token_headers(matching))
    assert r.status_code == 200


async def test_the_merged_openapi_documents_the_security_schemes(platform):
    doc = (await platform.anonymous.get("/openapi.json")).json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["OAuth2Password"]["flows"]["password"]["tokenUrl"] == "/v1/auth/token"
    assert schemes["ApiKey"] == {**schemes["ApiKey"], "type": "apiKey", "in": "header", "name": "X-API-Key"}
    html = (await platform.anonymous.get("/docs")).text
    assert "/docs/oauth2-redirect" in html
    assert (await platform.anonymous.get("/docs/oauth2-redirect")).status_code == 200


async def test_a_stranger_cannot_lock_the_platform_admin_out(platform, monkeypatch):
    """Membership throttles failed logins per (login, client address), the address being the one the gateway
    established with its trusted-proxy rule and forwarded in X-Forwarded-For."""
    clock = frozen_clock(monkeypatch)
    login, password = BOOTSTRAP_ADMIN
    wrong = {"grant_type": "password", "username": login, "password": "Stranger-guess-123"}
    right = {"grant_type": "password", "username": login, "password": password}
    no_buckets = {"rate_limit_login_per_minute": 1_000_000, "rate_limit_login_burst": 100_000}
    # behind a trusted proxy (the test client's peer), the client address comes from X-Forwarded-For
    async with second_gateway(platform, trusted_proxies="127.0.0.1/32", **no_buckets) as gw:
        stranger = {"X-Forwarded-For": "203.0.113.7", **EN}
        statuses = [(await gw.post("/v1/auth/token", data=wrong, headers=stranger)).status_code for _ in range(20)]
        assert statuses == [400] * 5 + [429] * 15
        r = await gw.post("/v1/auth/token", data=right, headers=stranger)
        assert r.status_code == 429 and r.json()["type"].endswith("login-locked") and r.headers["retry-after"] == "1"
        r = await gw.post("/v1/auth/token", data=right, headers={"X-Forwarded-For": "198.51.100.20"})
        assert r.status_code == 200, r.text  # the admin, elsewhere
    # where the peer is not trusted, a client cannot choose its address: rotating X-Forwarded-For does not
    # escape the wait (the gateway forwards the peer address)
    async with second_gateway(platform, **no_buckets) as gw:
        statuses = []
        for i in range(6):
            r = await gw.post("/v1/auth/token", data=wrong, headers={"X-Forwarded-For": f"198.18.0.{i}"})
            statuses.append(r.status_code)
        assert statuses == [400] * 5 + [429]
        clock.advance(1)
        assert (await gw.post("/v1/auth/token", data=right)).status_code == 200  # clears the peer's count
