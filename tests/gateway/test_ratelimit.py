"""Rate limits at the gateway: buckets, headers, 429, client IPs, and the Redis backend against a
real `redis-server`."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from chanjiao.pg_embedded import free_port
from gateway.ratelimit import LOGIN_PATHS, REFRESH_PATHS, VERIFY_PATHS, Limit, MemoryBuckets, decide
from tests.gateway.conftest import access_token, assert_401, bearer, gw_of

SMALL = {"rate_limit_anonymous_per_minute": 60, "rate_limit_anonymous_burst": 3}


def limit_headers(r) -> tuple[int, int, int]:
    return int(r.headers["ratelimit-limit"]), int(r.headers["ratelimit-remaining"]), int(r.headers["ratelimit-reset"])


# ---- the buckets themselves ---------------------------------------------------------------------
def test_token_bucket_refills_at_the_rate():
    b = MemoryBuckets()
    lim = Limit("user", 600, 2)  # 10 per second
    assert b.take(["k"], [lim])[0] and b.take(["k"], [lim])[0]
    allowed, tokens = b.take(["k"], [lim])
    assert not allowed and tokens[0] < 1
    time.sleep(0.11)
    assert b.take(["k"], [lim])[0]


def test_all_buckets_must_have_a_token_and_none_is_taken_otherwise():
    b = MemoryBuckets()
    wide, narrow = Limit("anonymous", 60, 10), Limit("login", 60, 1)
    assert b.take(["ip", "login"], [wide, narrow])[0]
    allowed, tokens = b.take(["ip", "login"], [wide, narrow])
    assert not allowed
    assert 8.9 < b.buckets["ip"][0] < 9.1  # the refusal took nothing from the wide bucket
    d = decide([wide, narrow], tokens, allowed)
    assert d.kind == "login" and d.retry_after == 1
    assert dict(d.headers)[b"ratelimit-limit"] == b"1"  # the tightest bucket's figures


def test_idle_buckets_are_dropped_and_the_count_is_bounded():
    b = MemoryBuckets(max_buckets=10)
    fast = Limit("anonymous", 60_000, 1)  # full again after 1 ms
    slow = Limit("anonymous", 1, 5)
    for i in range(30):
        b.take([f"slow{i}"], [slow])
    b.take(["fast"], [fast])
    time.sleep(0.01)
    b.sweep(time.monotonic())
    assert "fast" not in b.buckets and len(b.buckets) == 10
    assert "slow29" in b.buckets and "slow0" not in b.buckets  # least recently used went first


def test_login_and_verification_paths_are_data():
    assert "/v1/auth/token" in LOGIN_PATHS and "/v1/auth/refresh" not in LOGIN_PATHS
    assert REFRESH_PATHS == {"/v1/auth/refresh"}
    assert VERIFY_PATHS == ("/v1/certificates/verify",)


# ---- through the gateway ------------------------------------------------------------------------
async def test_every_proxied_response_carries_ratelimit_headers(gateway):
    async with gateway(**SMALL) as client:
        r = await client.get("/v1/organizations")
        assert r.status_code == 200
        assert limit_headers(r) == (3, 2, 1)
        r = await client.get("/v1/learners")
        assert limit_headers(r)[:2] == (3, 1)
        assert "ratelimit-limit" not in (await client.get("/health")).headers  # the gateway's own routes


async def test_429_with_retry_after_when_the_bucket_is_empty(gateway):
    async with gateway(**SMALL) as client:
        for _ in range(3):
            assert (await client.get("/v1/organizations")).status_code == 200
        r = await client.get("/v1/organizations", headers={"Accept-Language": "en"})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["title"] == "Too many requests" and "principal" not in r.json()  # not forwarded
        assert limit_headers(r)[:2] == (3, 0)
        # a credential has its own bucket
        assert (await client.get("/v1/organizations", headers=bearer(access_token("u-429")))).status_code == 200
        text = (await client.get("/metrics")).text
        assert 'chanjiao_gateway_rate_limited_total{bucket="anonymous"} 1.0' in text
        await asyncio.sleep(1.05)  # one token per second
        assert (await client.get("/v1/organizations")).status_code == 200


async def test_credentials_have_their_own_buckets(gateway, fake):
    membership, _, _ = fake
    membership.add_key("cjk_bucket_a_000001")
    membership.add_key("cjk_bucket_b_000002")
    async with gateway(rate_limit_per_minute=60, rate_limit_burst=2) as client:
        for key in ("cjk_bucket_a_000001", "cjk_bucket_b_000002"):
            statuses = [(await client.get("/v1/organizations", headers={"X-API-Key": key})).status_code for _ in "abc"]
            assert statuses == [200, 200, 429]
        user = bearer(access_token("u-bucket"))
        statuses = [(await client.get("/v1/organizations", headers=user)).status_code for _ in "abc"]
        assert statuses == [200, 200, 429]


async def test_login_routes_have_a_stricter_per_ip_bucket(gateway):
    async with gateway(rate_limit_login_per_minute=6, rate_limit_login_burst=2) as client:
        statuses = [(await client.post("/v1/auth/token", data={"grant_type": "password"})).status_code for _ in "abc"]
        assert statuses == [200, 200, 429]  # the stand-in membership echoes; the third never reaches it
        r = await client.post("/v1/auth/claim", json={})
        assert r.status_code == 429 and int(r.headers["retry-after"]) == 10
        assert r.headers["ratelimit-limit"] == "2"
        # …even with credentials, and other routes are not affected
        assert (await client.post("/v1/auth/token", headers=bearer(access_token()))).status_code == 429
        assert (await client.get("/v1/organizations")).status_code == 200


async def test_refresh_has_its_own_generous_per_ip_bucket_not_the_login_one(gateway):
    tight = {"rate_limit_login_per_minute": 6, "rate_limit_login_burst": 1, **SMALL}
    async with gateway(rate_limit_refresh_per_minute=600, rate_limit_refresh_burst=8, **tight) as client:
        # one NAT address: logins and anonymous calls are used up ...
        assert (await client.post("/v1/auth/token", data={"grant_type": "password"})).status_code == 200
        assert (await client.post("/v1/auth/token", data={"grant_type": "password"})).status_code == 429
        for _ in range(2):
            await client.get("/v1/organizations")
        assert (await client.get("/v1/organizations")).status_code == 429
        # ... and the app users behind it still refresh, from a bucket of their own
        statuses = [(await client.post("/v1/auth/refresh", json={})).status_code for _ in range(9)]
        assert statuses == [200] * 8 + [429]
        r = await client.post("/v1/auth/refresh", json={})
        assert r.headers["ratelimit-limit"] == "8" and r.headers["retry-after"] == "1"


async def test_a_refresh_grant_at_the_token_endpoint_takes_from_the_refresh_bucket(gateway):
    tight = {"rate_limit_login_per_minute": 6, "rate_limit_login_burst": 1}
    async with gateway(rate_limit_refresh_per_minute=600, rate_limit_refresh_burst=3, **tight) as client:
        assert (await client.post("/v1/auth/token", data={"grant_type": "password"})).status_code == 200
        assert (await client.post("/v1/auth/token", data={"grant_type": "password"})).status_code == 429
        refresh = {"grant_type": "refresh_token", "refresh_token": "cjr_x", "client_id": "app"}
        statuses = [(await client.post("/v1/auth/token", data=refresh)).status_code for _ in range(4)]
        assert statuses == [200] * 3 + [429]
        r = await client.post("/v1/auth/token", data=refresh)
        assert r.headers["ratelimit-limit"] == "3"
    async with gateway(rate_limit_refresh_per_minute=600, rate_limit_refresh_burst=3, **tight) as client:
        # only a small form body is read: a large one, or JSON, stays in the login bucket
        big = {**refresh, "padding": "x" * 5000}
        assert (await client.post("/v1/auth/token", data=big)).status_code == 200
        assert (await client.post("/v1/auth/token", data=big)).status_code == 429
        assert (await client.post("/v1/auth/token", json=refresh)).status_code == 429


async def test_public_verification_has_its_own_stricter_bucket(gateway):
    async with gateway(rate_limit_verify_per_minute=60, rate_limit_verify_burst=1) as client:
        assert (await client.get("/v1/certificates/verify", params={"no": "x"})).status_code == 200
        assert (await client.get("/v1/certificates/verify", params={"no": "y"})).status_code == 429
        assert (await client.get("/v1/certificates")).status_code == 200


async def test_rejected_credentials_count_against_the_ip(gateway):
    async with gateway(**SMALL) as client:
        for _ in range(3):
            assert_401(await client.get("/v1/organizations", headers={"X-API-Key": "cjk_guess"}))
        assert (await client.get("/v1/organizations", headers={"X-API-Key": "cjk_guess"})).status_code == 429
        assert (await client.get("/v1/organizations")).status_code == 429


async def test_forwarded_for_is_trusted_only_from_trusted_proxies(gateway):
    one = {"rate_limit_anonymous_per_minute": 60, "rate_limit_anonymous_burst": 1, "trusted_proxies": "10.0.0.0/8"}
    async with gateway(client_addr=("10.1.2.3", 999), **one) as client:
        r = await client.get("/v1/organizations", headers={"X-Forwarded-For": "198.18.0.1, 203.0.113.5, 10.9.9.9"})
        assert r.status_code == 200
        assert r.json()["headers"]["x-forwarded-for"] == "203.0.113.5"  # first untrusted hop from the right
        r = await client.get("/v1/organizations", headers={"X-Forwarded-For": "203.0.113.6"})
        assert r.status_code == 200  # another client behind the proxy: its own bucket
        assert (await client.get("/v1/organizations", headers={"X-Forwarded-For": "203.0.113.6"})).status_code == 429
    async with gateway(client_addr=("198.51.100.50", 999), **one) as client:
        r = await client.get("/v1/organizations", headers={"X-Forwarded-For": "203.0.113.7"})
        assert r.json()["headers"]["x-forwarded-for"] == "198.51.100.50"  # untrusted peer: header ignored
        r = await client.get("/v1/organizations", headers={"X-Forwarded-For": "203.0.113.8"})
        assert r.status_code == 429  # the same peer, whatever it claims


async def test_rate_limits_can_be_disabled(gateway):
    async with gateway(rate_limit_enabled=False, **SMALL) as client:
        for _ in range(5):
            r = await client.get("/v1/organizations")
            assert r.status_code == 200 and "ratelimit-limit" not in r.headers


# ---- Redis ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (.ci/run installs it when root)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="chanjiao-redis-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
        Path(workdir).exists()


async def test_two_gateways_sharing_redis_share_the_buckets(gateway, redis_url):
    settings = {"rate_limit_backend": "redis", "redis_url": redis_url, **SMALL}
    ip = ("192.0.2.44", 1)
    async with gateway(client_addr=ip, **settings) as a, gateway(client_addr=ip, **settings) as b:
        statuses = []
        for client in (a, b, a, b):
            statuses.append((await client.get("/v1/organizations")).status_code)
        assert statuses == [200, 200, 200, 429]
        r = await a.get("/v1/organizations")
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert r.headers["ratelimit-limit"] == "3" and r.headers["ratelimit-remaining"] == "0"
        # keys expire once the bucket would be full again
        ttl = redis.Redis.from_url(redis_url).pttl("chanjiao:rl:ip:192.0.2.44")
        assert 0 < ttl <= 4000
        await asyncio.sleep(1.05)
        assert (await b.get("/v1/organizations")).status_code == 200


async def test_redis_unreachable_fails_open_and_is_counted(gateway, caplog):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    async with gateway(rate_limit_backend="redis", redis_url=dead, **SMALL) as client:
        for _ in range(5):
            r = await client.get("/v1/organizations")
            assert r.status_code == 200 and "ratelimit-limit" not in r.headers
        text = (await client.get("/metrics")).text
        assert "chanjiao_gateway_rate_limit_backend_errors_total 5.0" in text
        warnings = [r for r in caplog.records if "rate-limit backend" in r.getMessage()]
        assert len(warnings) == 1  # once per interval, not per request
        assert gw_of(client).limiter.redis is not None


async def test_the_gateway_s_pages_take_from_the_ip_bucket_but_probes_do_not(gateway):
    async with gateway(**SMALL) as client:
        r = await client.get("/docs")
        assert r.status_code == 200 and limit_headers(r)[:2] == (3, 2)
        for _ in range(2):
            await client.get("/docs/oauth2-redirect")
        assert (await client.get("/docs")).status_code == 429
        for _ in range(5):
            r = await client.get("/health")
            assert r.status_code == 200 and "ratelimit-limit" not in r.headers
        assert (await client.get("/metrics")).status_code == 200
