"""Authentication at the gateway against a stand-in membership (a test server: JWKS, introspection
that counts its calls, and a header echo), so caching, single-flight and outages can be observed.
The same flows against the real membership service are in test_identity.py."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from chanjiao.auth import SERVICE_SCOPES, InternalTokenSigner, Principal
from chanjiao.service_client import SERVICE_TOKEN_HEADER, ServiceTokenSigner
from chanjiao.settings import UnsafeSettings
from chanjiao.tokens import AccessTokenIssuer, derive_signing_key
from gateway.settings import GatewaySettings
from services.training.settings import TrainingSettings
from tests.conftest import TEST_KEY
from tests.gateway.conftest import ISSUER, access_token, assert_401, bearer, gw_of, until

# ---- access tokens ----------------------------------------------------------------------------------
INVALID_TOKEN_CHALLENGE = (
    'Bearer realm="chanjiao", error="invalid_token", error_description="The access token is invalid or expired"'
)


EXPIRED_TOKEN_CHALLENGE = 'Bearer realm="chanjiao", error="invalid_token", error_description="The access token expired"'


def assert_invalid_token(r, english: bool = False) -> None:
    """The machine-readable 401 of an expired or invalid access token: the app knows to refresh."""
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == INVALID_TOKEN_CHALLENGE
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 401 and body["type"] == "urn:chanjiao:problem:invalid-token"
    assert body["error"] == "invalid_token" and body["error_description"] == "The access token is invalid or expired"
    assert body["title"] == ("Invalid or expired access token" if english else "访问令牌无效或已过期")
    assert body["request_id"] == r.headers["x-request-id"]


async def test_jwt_principal_reaches_the_service_and_credentials_are_stripped(gateway, fake):
    membership, _, _ = fake
    token = access_token("user-1", org_id="org-9", roles=("org_admin",))
    async with gateway() as client:
        await until(lambda: bool(gw_of(client).auth.jwt.keys))  # fetched at start-up
        r = await client.get(
            "/v1/organizations/x", headers={**bearer(token), "X-API-Key": "cjk_ignored", "Cookie": "a=b"}
        )
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["principal"]["kind"] == "user" and seen["principal"]["subject"] == "user-1"
    assert seen["principal"]["org_id"] == "org-9" and seen["principal"]["roles"] == ["org_admin"]
    assert "authorization" not in seen["headers"] and "x-api-key" not in seen["headers"]
    assert seen["headers"]["cookie"] == "a=b"
    gateway_principal = membership.callers[-1]
    assert (gateway_principal.kind, gateway_principal.subject) == ("service", "gateway")
    assert gateway_principal.scopes == ("identity:introspect",)


async def test_bad_expired_and_foreign_jwts_are_401(gateway):
    foreign = AccessTokenIssuer(Ed25519PrivateKey.generate())
    same_kid_other_key = AccessTokenIssuer(Ed25519PrivateKey.generate())
    same_kid_other_key.kid = ISSUER.kid  # a forged signature under the real key id
    expired, _ = ISSUER.issue(
        user_id="u", session_id="s", org_id=None, roles=(), alliances=(), scopes=(), now=time.time() - 7200
    )
    bad = [
        "not-a-jwt",
        access_token(issuer=foreign),
        access_token(issuer=same_kid_other_key),
        access_token()[:-4] + "AAAA",
    ]
    async with gateway() as client:
        await until(lambda: bool(gw_of(client).auth.jwt.keys))
        for token in bad:
            assert_invalid_token(await client.get("/v1/organizations", headers=bearer(token)))
        # A genuine token past its expiry: the same problem type and error, and it says it expired.
        r = await client.get("/v1/organizations", headers={**bearer(expired), "Accept-Language": "en"})
        assert r.status_code == 401 and r.json()["type"] == "urn:chanjiao:problem:invalid-token"
        assert r.headers["www-authenticate"] == EXPIRED_TOKEN_CHALLENGE
        assert r.json()["error"] == "invalid_token" and r.json()["error_description"] == "The access token expired"
        assert r.json()["expired"] is True and r.json()["detail"] == "The access token expired; refresh it and retry"
        assert_invalid_token(await client.get("/v1/organizations", headers=bearer("x" * 9000)))
        # not a bearer token at all, or no credential: the plain challenge, nothing to refresh
        assert_401(
            await client.get("/v1/organizations", headers={"Authorization": "Basic dXNlcjpwYXNz"}), english=False
        )
        r = await client.get("/v1/organizations", headers={**bearer("x.y.z"), "Accept-Language": "en"})
        assert_invalid_token(r, english=True)
        assert r.json()["detail"] == "The access token is invalid or expired"
        r = await client.get("/v1/organizations", headers=bearer(expired))
        assert r.json()["detail"] == "访问令牌已过期，请刷新令牌后重试"
        # A forged token with a past expiry is invalid, never "expired": the signature is checked first.
        forged_old, _ = same_kid_other_key.issue(
            user_id="u", session_id="s", org_id=None, roles=(), alliances=(), scopes=(), now=time.time() - 7200
        )
        assert_invalid_token(await client.get("/v1/organizations", headers=bearer(forged_old)))
        text = (await client.get("/metrics")).text
        assert 'chanjiao_gateway_auth_failures_total{credential="jwt",reason="invalid"} 10.0' in text


async def test_unknown_key_id_refetches_the_jwks_at_most_every_10_seconds(gateway, fake):
    membership, _, _ = fake
    async with gateway() as client:
        auth = gw_of(client).auth
        await until(lambda: bool(auth.jwt.keys))
        rotated = AccessTokenIssuer(Ed25519PrivateKey.generate())
        fetches = membership.jwks_fetches
        membership.issuer = rotated  # membership rotated its signing key
        try:
            r = await client.get("/v1/organizations", headers=bearer(access_token("u2", issuer=rotated)))
            assert r.status_code == 200 and r.json()["principal"]["subject"] == "u2"
            assert membership.jwks_fetches == fetches + 1
            # Another unknown key id right after: no second fetch within 10 s, just 401.
            stranger = access_token(issuer=AccessTokenIssuer(Ed25519PrivateKey.generate()))
            assert_invalid_token(await client.get("/v1/organizations", headers=bearer(stranger)))
            assert membership.jwks_fetches == fetches + 1
        finally:
            membership.issuer = ISSUER


# ---- API keys -----------------------------------------------------------------------------------
async def test_api_key_is_introspected_once_and_cached(gateway, fake):
    membership, _, _ = fake
    membership.add_key("cjk_cache_test_0001", org_id="org-5", scopes=("membership:read", "training:write"))
    async with gateway() as client:
        before = membership.introspections
        for _ in range(5):
            r = await client.get("/v1/organizations", headers={"X-API-Key": "cjk_cache_test_0001"})
            assert r.status_code == 200
        p = r.json()["principal"]
        assert p["kind"] == "api_key" and p["org_id"] == "org-5" and p["subject"] == "key-0001"
        assert p["scopes"] == ["membership:read", "training:write"]
        assert membership.introspections == before + 1


async def test_concurrent_misses_share_one_introspection(gateway, fake):
    membership, _, _ = fake
    membership.add_key("cjk_single_flight_01")
    membership.delay = 0.2
    try:
        async with gateway() as client:
            before = membership.introspections
            rs = await asyncio.gather(
                *(client.get("/v1/organizations", headers={"X-API-Key": "cjk_single_flight_01"}) for _ in range(20)),
                *(client.get("/v1/organizations", headers={"X-API-Key": "cjk_unknown_concurrent"}) for _ in range(5)),
            )
            assert [r.status_code for r in rs] == [200] * 20 + [401] * 5
            assert membership.introspections == before + 2
    finally:
        membership.delay = 0.0


async def test_unknown_key_is_cached_negatively(gateway, fake):
    membership, _, _ = fake
    async with gateway() as client:
        before = membership.introspections
        for _ in range(3):
            r = await client.get("/v1/organizations", headers={"X-API-Key": "cjk_nobody_has_this"})
            assert_401(r)
        assert r.json()["detail"] == "API 密钥无效、已吊销或已过期"
        assert membership.introspections == before + 1
        huge = "cjk_" + "x" * 2000
        assert_401(await client.get("/v1/organizations", headers={"X-API-Key": huge}))
        assert membership.introspections == before + 1  # never sent to membership


async def test_revoked_key_works_from_cache_within_the_ttl_then_stops(gateway, fake):
    membership, _, _ = fake
    membership.add_key("cjk_revoke_me_000001")
    async with gateway(api_key_cache_ttl_seconds=0.5) as client:
        headers = {"X-API-Key": "cjk_revoke_me_000001"}
        assert (await client.get("/v1/organizations", headers=headers)).status_code == 200
        del membership.api_keys["cjk_revoke_me_000001"]  # revoked
        assert (await client.get("/v1/organizations", headers=headers)).status_code == 200  # cached
        await asyncio.sleep(0.6)
        assert_401(await client.get("/v1/organizations", headers=headers))


async def test_a_keys_own_expiry_shortens_the_cache(gateway, fake):
    membership, _, _ = fake
    expires = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    membership.add_key("cjk_expiring_key_001", expires_at=expires)
    async with gateway(api_key_cache_ttl_seconds=30) as client:
        headers = {"X-API-Key": "cjk_expiring_key_001"}
        assert (await client.get("/v1/organizations", headers=headers)).status_code == 200
        membership.api_keys["cjk_expiring_key_001"] = {"active": False}  # membership: expired
        await asyncio.sleep(1.1)
        assert_401(await client.get("/v1/organizations", headers=headers))


def test_api_key_cache_ttl_is_bounded():
    assert GatewaySettings().api_key_cache_ttl_seconds <= 60
    with pytest.raises((UnsafeSettings, ValidationError)):
        GatewaySettings(api_key_cache_ttl_seconds=61)
    with pytest.raises((UnsafeSettings, ValidationError)):
        GatewaySettings(api_key_cache_ttl_seconds=0)


async def test_membership_down_is_503_for_api_keys_while_jwts_still_work(gateway, fake):
    membership, up, _ = fake
    membership.add_key("cjk_during_outage_01")
    async with gateway() as client:
        await until(lambda: bool(gw_of(client).auth.jwt.keys))
        await up.stop()
        try:
            r = await client.get("/v1/learners", headers={"X-API-Key": "cjk_during_outage_01", "Accept-Language": "en"})
            assert r.status_code == 503 and r.headers["retry-after"] == "5"
            assert r.json()["detail"].startswith("Cannot check the API key")
            r = await client.get("/v1/learners", headers=bearer(access_token("u-outage")))
            assert r.status_code == 200 and r.json()["principal"]["subject"] == "u-outage"
        finally:
            await up.start()
        # not cached: works as soon as membership is back
        r = await client.get("/v1/learners", headers={"X-API-Key": "cjk_during_outage_01"})
        assert r.status_code == 200 and r.json()["principal"]["kind"] == "api_key"
        text = (await client.get("/metrics")).text
        assert 'chanjiao_gateway_auth_failures_total{credential="api_key",reason="unavailable"} 1.0' in text


async def test_no_jwks_yet_is_503_not_401(gateway):
    async with gateway(membership_url="http://127.0.0.1:9") as client:
        r = await client.get("/v1/learners", headers=bearer(access_token()))
        assert r.status_code == 503


# ---- service principals -------------------------------------------------------------------------
async def test_service_token_becomes_the_service_principal_with_table_scopes(gateway):
    async with gateway() as client:
        signer = ServiceTokenSigner(TEST_KEY, "matching")
        r = await client.get("/v1/organizations", headers=signer.headers())
        assert r.status_code == 200
        p = r.json()["principal"]
        assert (p["kind"], p["subject"]) == ("service", "matching")
        assert p["scopes"] == list(SERVICE_SCOPES["matching"])
        assert SERVICE_TOKEN_HEADER not in r.json()["headers"]


async def test_forged_or_misused_service_tokens_are_401(gateway):
    internal = InternalTokenSigner(TEST_KEY).token_for(Principal(kind="service", subject="training")).decode()
    claims = {"iss": "chanjiao-service", "aud": "chanjiao-gateway", "iat": int(time.time())}
    claims["exp"] = claims["iat"] + 60
    bad = [
        ServiceTokenSigner("another-key-of-at-least-32-characters!!", "training").token(),
        ServiceTokenSigner(TEST_KEY, "gateway").token(),  # the gateway's own identity
        ServiceTokenSigner(TEST_KEY, "payroll").token(),  # no such service
        internal,  # an internal token is not a service token
        jwt.encode({**claims, "kind": "user", "sub": "training"}, TEST_KEY, algorithm="HS256"),
        access_token(),  # nor is a user's token
    ]
    async with gateway() as client:
        for token in bad:
            assert_401(await client.get("/v1/organizations", headers={SERVICE_TOKEN_HEADER: token}))


def test_service_token_is_reused_for_half_its_life():
    signer = ServiceTokenSigner(TEST_KEY, "training", ttl_seconds=120)
    t0 = signer.token(now=1000.0)
    assert signer.token(now=1059.0) == t0
    assert signer.token(now=1061.0) != t0
    settings = TrainingSettings(internal_token_key=TEST_KEY)
    from chanjiao.service_client import make_service_client, service_token_headers

    assert SERVICE_TOKEN_HEADER in service_token_headers(settings)
    client = make_service_client(settings)
    assert str(client.base_url).rstrip("/") == settings.gateway_url


# ---- the docs' Authorize button ------------------------------------------------------------------
async def test_swagger_ui_oauth2_redirect_and_security_schemes(gateway):
    async with gateway() as client:
        html = (await client.get("/docs")).text
        assert "oauth2RedirectUrl" in html and "/docs/oauth2-redirect" in html
        r = await client.get("/docs/oauth2-redirect")
        assert r.status_code == 200 and "oauth2" in r.text.lower()


def test_the_signing_key_the_tests_mint_with_is_membership_s():
    assert AccessTokenIssuer(derive_signing_key(TEST_KEY)).kid == ISSUER.kid


async def test_basic_client_authentication_at_the_token_endpoint_is_not_a_credential(gateway):
    async with gateway() as client:
        basic = {"Authorization": "Basic c3dhZ2dlcjo="}  # Swagger UI's client_id, as OAuth2 allows
        r = await client.post("/v1/auth/token", data={"grant_type": "password"}, headers=basic)
        assert r.status_code == 200 and r.json()["principal"]["kind"] == "anonymous"
        assert "authorization" not in r.json()["headers"]
        assert_401(await client.post("/v1/auth/refresh", json={}, headers=basic))


async def test_a_key_in_use_is_rechecked_in_the_background_before_its_ttl_ends(gateway, fake):
    membership, _, _ = fake
    membership.add_key("cjk_refresh_ahead_01")
    async with gateway(api_key_cache_ttl_seconds=1.0) as client:
        headers = {"X-API-Key": "cjk_refresh_ahead_01"}
        before = membership.introspections
        assert (await client.get("/v1/organizations", headers=headers)).status_code == 200
        await asyncio.sleep(0.8)  # in the last quarter of the TTL
        membership.delay = 0.3
        try:
            started = time.monotonic()
            assert (await client.get("/v1/organizations", headers=headers)).status_code == 200
            assert time.monotonic() - started < 0.25  # answered from the cache, not after the re-check
            await until(lambda: membership.introspections == before + 2)
        finally:
            membership.delay = 0.0
        await asyncio.sleep(0.35)  # past the first TTL: the renewed entry answers
        assert (await client.get("/v1/organizations", headers=headers)).status_code == 200
        assert membership.introspections == before + 2
