"""Logins and sessions: access JWTs verifiable with the JWKS, rotating refresh tokens (reuse ends the session),
logout, throttling before hashing (unknown logins too), the Swagger UI form, password rules.

The helpers at the top are shared by the other identity test modules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from chanjiao.auth import ALL_SCOPES, ANONYMOUS, Principal
from chanjiao.tokens import AccessTokenVerifier
from services.membership.identity import throttle
from services.membership.identity.passwords import Passwords
from tests.conftest import token_headers


class Clock:
    """The login throttle's clock (`throttle.utcnow`), frozen and advanced by hand, so waits of a second
    are tested exactly rather than raced against a loaded machine."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(throttle, "utcnow", clock)
    return clock


def anon() -> dict[str, str]:
    """Headers of an anonymous call through the gateway (signed now: internal tokens live a minute)."""
    return token_headers(ANONYMOUS)


def gateway() -> dict[str, str]:
    """The gateway itself, checking an API key."""
    return token_headers(Principal(kind="service", subject="gateway", scopes=("identity:introspect",)))


def strong(tag: str = "") -> str:
    """A password that passes the rules."""
    return f"Zibo-{tag}-{uuid.uuid4().hex[:10]}"


def login_name(prefix: str = "user") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


async def make_org(c: httpx.AsyncClient, name: str = "淄博市技师学院", org_type: str = "technician_college") -> str:
    r = await c.post(
        "/v1/organizations",
        json={"name": f"{name}{uuid.uuid4().hex[:6]}", "org_type": org_type, "region_code": "370302"},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def make_alliance(c: httpx.AsyncClient) -> str:
    r = await c.post(
        "/v1/alliances",
        json={"name": f"淄博市产教联合体{uuid.uuid4().hex[:6]}", "kind": "city_consortium", "level": "municipal"},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def join(c: httpx.AsyncClient, alliance: str, org: str) -> str:
    r = await c.post("/v1/memberships", json={"org_id": org, "alliance_id": alliance, "applied_on": "2024-01-01"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def invite(c: httpx.AsyncClient, headers: dict[str, str] | None = None, expect: int = 201, **body: object) -> str:
    kw = {"headers": headers} if headers else {}
    r = await c.post("/v1/users/invitations", json=body, **kw)
    assert r.status_code == expect, r.text
    return r.json().get("invitation_token", "") if expect == 201 else r.json()["type"]


async def claim(
    c: httpx.AsyncClient, token: str, login: str, password: str, display_name: str = "王建华", expect: int = 201
) -> dict:
    r = await c.post(
        "/v1/auth/claim",
        json={"invitation_token": token, "login": login, "password": password, "display_name": display_name},
        headers=anon(),
    )
    assert r.status_code == expect, r.text
    return r.json()


async def login(c: httpx.AsyncClient, login: str, password: str, **extra: str) -> httpx.Response:
    data = {"grant_type": "password", "username": login, "password": password, **extra}
    return await c.post("/v1/auth/token", data=data, headers=anon())


async def verifier(c: httpx.AsyncClient) -> AccessTokenVerifier:
    v = AccessTokenVerifier()
    r = await c.get("/v1/auth/jwks", headers=anon())
    assert r.status_code == 200
    v.load_jwks(r.json())
    return v


async def principal_of(c: httpx.AsyncClient, access_token: str) -> Principal:
    """What the gateway makes of an access token (verified against the JWKS)."""
    return (await verifier(c)).verify(access_token)


async def as_user(c: httpx.AsyncClient, login_: str, password: str) -> tuple[dict[str, str], dict]:
    """Log in; the internal-token headers of that user's principal, and the token response."""
    r = await login(c, login_, password)
    assert r.status_code == 200, r.text
    return token_headers(await principal_of(c, r.json()["access_token"])), r.json()


async def new_member(
    c: httpx.AsyncClient, org: str, role: str = "org_admin", **inviter: object
) -> tuple[str, str, dict]:
    """A claimed user of `org` (invited by the platform admin): login, password, user."""
    token = await invite(c, org_id=org, role=role, **inviter)
    name, pw = login_name(role), strong(role)
    user = await claim(c, token, name, pw)
    return name, pw, user


# ---- tests ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
async def member(membership_client):
    """An org_admin of a fresh school: (login, password, user, org)."""
    org = await make_org(membership_client)
    name, pw, user = await new_member(membership_client, org)
    return name, pw, user, org


async def test_login_gives_a_jwt_the_jwks_verifies(membership_client, member):
    name, pw, user, org = member
    r = await login(membership_client, name.upper(), pw)  # logins are case-insensitive
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    assert body["refresh_token"].startswith("cjr_") and body["refresh_expires_in"] == 30 * 86400
    p = await principal_of(membership_client, body["access_token"])
    assert (p.kind, p.subject, p.org_id, p.roles, p.alliances) == ("user", user["id"], org, ("org_admin",), ())
    assert p.scopes == ALL_SCOPES and body["scope"] == " ".join(ALL_SCOPES)
    me = await membership_client.get("/v1/users/me", headers=token_headers(p))
    assert me.status_code == 200, me.text
    assert (
        me.json()["org"]["id"] == org and me.json()["org_role"] == "org_admin" and me.json()["roles"] == ["org_admin"]
    )


async def test_swagger_ui_form_with_extra_fields_and_scope(membership_client, member):
    name, pw, _, _ = member
    r = await login(membership_client, name, pw, scope="", client_id="swagger", client_secret="")
    assert r.status_code == 200, r.text
    r = await login(membership_client, name, pw, scope="membership:read training:read", client_id="app")
    assert r.status_code == 200 and r.json()["scope"] == "membership:read training:read"
    p = await principal_of(membership_client, r.json()["access_token"])
    assert p.scopes == ("membership:read", "training:read")
    # the narrowing survives rotation
    r = await membership_client.post(
        "/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": r.json()["refresh_token"]},
        headers=anon(),
    )
    assert r.status_code == 200 and r.json()["scope"] == "membership:read training:read"
    r = await login(membership_client, name, pw, scope="everything")
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"
    r = await membership_client.post("/v1/auth/token", data={"grant_type": "client_credentials"}, headers=anon())
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = await membership_client.post(
        "/v1/auth/token", data={"grant_type": "password", "username": name}, headers=anon()
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


async def test_refresh_rotates_and_reuse_ends_the_session(membership_client, member):
    name, pw, _, _ = member
    first = (await login(membership_client, name, pw)).json()["refresh_token"]
    r = await membership_client.post("/v1/auth/refresh", json={"refresh_token": first}, headers=anon())
    assert r.status_code == 200, r.text
    second = r.json()["refresh_token"]
    assert second != first
    r = await membership_client.post(
        "/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": second}, headers=anon()
    )
    assert r.status_code == 200
    third = r.json()["refresh_token"]
    # replaying a spent token: 401, and the whole family ends — the current token too
    r = await membership_client.post("/v1/auth/refresh", json={"refresh_token": first}, headers=anon())
    assert r.status_code == 401 and r.json()["type"].endswith("invalid-grant") and "www-authenticate" in r.headers
    r = await membership_client.post("/v1/auth/refresh", json={"refresh_token": third}, headers=anon())
    assert r.status_code == 401
    # other sessions of the user are untouched
    assert (await login(membership_client, name, pw)).status_code == 200
    for junk in ("nope", "cjr_" + "x" * 43):
        r = await membership_client.post("/v1/auth/refresh", json={"refresh_token": junk}, headers=anon())
        assert r.status_code == 401


async def test_expired_refresh_token_is_refused(membership_client, member, database):
    name, pw, _, _ = member
    token = (await login(membership_client, name, pw)).json()["refresh_token"]
    conn = await asyncpg.connect(database.admin_url)
    try:
        await conn.execute(
            "update membership.refresh_tokens set expires_at = now() - interval '1 second' "
            "where token_hash = sha256($1::text::bytea)",
            token,
        )
    finally:
        await conn.close()
    r = await membership_client.post("/v1/auth/refresh", json={"refresh_token": token}, headers=anon())
    assert r.status_code == 401


async def test_logout_ends_the_session(membership_client, member):
    name, pw, _, _ = member
    token = (await login(membership_client, name, pw)).json()["refresh_token"]
    r = await membership_client.post("/v1/auth/logout", json={"refresh_token": token}, headers=anon())
    assert r.status_code == 200 and r.json() == {"logged_out": True}
    r = await membership_client.post("/v1/auth/refresh", json={"refresh_token": token}, headers=anon())
    assert r.status_code == 401
    # idempotent, and silent about unknown tokens
    for t in (token, "cjr_unknown_but_well_formed_token_value"):
        assert (
            await membership_client.post("/v1/auth/logout", json={"refresh_token": t}, headers=anon())
        ).status_code == 200


@pytest.fixture
def verify_calls(monkeypatch):
    calls = []
    original = Passwords.verify

    async def counting(self, password_hash, password):
        calls.append(password_hash is not None)
        return await original(self, password_hash, password)

    monkeypatch.setattr(Passwords, "verify", counting)
    return calls


@pytest.fixture
def clock(monkeypatch):
    return frozen_clock(monkeypatch)


async def test_an_address_waits_after_five_failures_before_hashing(membership_client, verify_calls, clock):
    org = await make_org(membership_client)
    name, pw, _ = await new_member(membership_client, org, role="org_staff")
    for _ in range(5):
        r = await login(membership_client, name, "Wrong-password-123")
        assert r.status_code == 400
    assert len(verify_calls) == 5
    r = await login(membership_client, name, pw)  # the right password, too soon
    assert r.status_code == 429 and r.json()["type"].endswith("login-locked")
    assert r.headers["retry-after"] == "1" and r.json()["retry_after"] == 1
    assert len(verify_calls) == 5  # the sixth attempt never hashed
    assert pw not in r.text
    clock.advance(1)  # the wait is over: a success clears the address's count
    assert (await login(membership_client, name, pw)).status_code == 200
    for _ in range(4):
        assert (await login(membership_client, name, "Wrong-password-123")).status_code == 400
    assert (await login(membership_client, name, pw)).status_code == 200
    assert (await login(membership_client, name, "Wrong-password-123")).status_code == 400  # count restarted
    # failures leave the window (15 minutes): the address is free again
    for _ in range(4):
        await login(membership_client, name, "Wrong-password-123")
    assert (await login(membership_client, name, pw)).status_code == 429
    clock.advance(15 * 60 + 1)
    for _ in range(4):
        assert (await login(membership_client, name, "Wrong-password-123")).status_code == 400
    assert (await login(membership_client, name, pw)).status_code == 200


async def test_unknown_logins_are_locked_out_alike(membership_client, member, verify_calls, clock):
    name, _, _, _ = member
    known = await login(membership_client, name, "Not-the-password-1")
    ghost = login_name("ghost")
    details = []
    for _ in range(5):
        r = await login(membership_client, ghost, "Whatever-password-1")
        assert r.status_code == 400
        details.append(r.json()["detail"])
    assert set(details) == {known.json()["detail"]}  # nothing tells an unknown login from a wrong password
    assert len(verify_calls) == 6  # unknown logins are verified too (against a dummy hash)
    r = await login(membership_client, ghost, "Whatever-password-1")
    assert r.status_code == 429 and "retry-after" in r.headers
    assert len(verify_calls) == 6


async def test_an_outdated_hash_is_upgraded_at_the_next_login(membership_client, member, database):
    from services.membership.main import create_app
    from tests.conftest import membership_settings, scanning_client

    name, pw, user, _ = member

    async def stored() -> str:
        conn = await asyncpg.connect(database.admin_url)
        try:
            return await conn.fetchval("select password_hash from membership.users where id = $1::uuid", user["id"])
        finally:
            await conn.close()

    assert ",t=1," in await stored()
    app = create_app(membership_settings(database, argon2_time_cost=2))
    async with app.router.lifespan_context(app):
        async with scanning_client(transport=httpx.ASGITransport(app=app), base_url="http://m", headers=anon()) as c:
            assert (await login(c, name, pw)).status_code == 200
    assert ",t=2," in await stored()
    assert (await login(membership_client, name, pw)).status_code == 200  # still verifies with either cost


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Short-1", "length"),
        ("x" * 129, "length"),
        ("my-{login}-secret", "contains_login"),
        ("Password123", "common"),
        ("1qaz2wsx3edc", "common"),
        ("aaaaaaaaaaaa", "repeated"),
    ],
)
async def test_password_rules_name_the_rule_and_never_echo(membership_client, password, rule):
    org = await make_org(membership_client)
    token = await invite(membership_client, org_id=org, role="org_staff")
    name = login_name("rules")
    password = password.format(login=name)
    r = await membership_client.post(
        "/v1/auth/claim",
        json={"invitation_token": token, "login": name, "password": password, "display_name": "张老师"},
        headers=anon(),
    )
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert {"loc": ["body", "password"], "type": rule} in [{"loc": e["loc"], "type": e["type"]} for e in errors]
    assert password not in r.text
    # the invitation was not spent
    assert (await claim(membership_client, token, name, strong()))["org_role"] == "org_staff"
