"""Scopes are a ceiling: a token narrowed at login (`scope=`) creates no key, invitation, reset token or
session wider than itself, and `/v1/users/me` shows the calling token's scopes. A password reset by an
org_admin never hands over a colleague's alliance grant."""

from __future__ import annotations

import asyncpg
import pytest

from chanjiao.auth import ALL_SCOPES, Principal
from tests.conftest import token_headers
from tests.membership.test_identity_auth import (
    anon,
    as_user,
    claim,
    invite,
    join,
    login,
    make_alliance,
    make_org,
    new_member,
    principal_of,
    strong,
)

EN = {"Accept-Language": "en"}


async def narrowed(c, name: str, password: str, scope: str) -> tuple[dict[str, str], dict]:
    """Log in narrowed to `scope`: the internal-token headers of that session, and the token response."""
    r = await login(c, name, password, scope=scope)
    assert r.status_code == 200, r.text
    return token_headers(await principal_of(c, r.json()["access_token"])), r.json()


@pytest.fixture(scope="module")
async def school(membership_client):
    """A school with its org_admin: {org, login, password, user}."""
    org = await make_org(membership_client)
    name, pw, user = await new_member(membership_client, org)
    return {"org": org, "login": name, "password": pw, "user": user}


async def _count(database, sql: str, *args) -> int:
    conn = await asyncpg.connect(database.admin_url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def test_a_narrowed_login_mints_no_wider_api_key(membership_client, school, database):
    c, s = membership_client, school
    headers, _ = await narrowed(c, s["login"], s["password"], "membership:read membership:write")
    before = await _count(database, "select count(*) from membership.api_keys where org_id = $1", s["org"])
    body = {"name": "教务系统", "org_id": s["org"], "scopes": ["membership:read", "training:write"]}
    r = await c.post("/v1/api-keys", json=body, headers={**headers, **EN})
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("scope-ceiling") and r.json()["missing_scopes"] == ["training:write"]
    assert "training:write" in r.json()["detail"] and "membership:read" not in r.json()["detail"]
    r = await c.post("/v1/api-keys", json=body, headers=headers)  # Chinese by default
    assert r.status_code == 403 and "权限范围" in r.json()["detail"]
    assert await _count(database, "select count(*) from membership.api_keys where org_id = $1", s["org"]) == before
    # within the ceiling: fine
    r = await c.post("/v1/api-keys", json={**body, "scopes": ["membership:read"]}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["scopes"] == ["membership:read"]
    # the same admin's full session may create the wider key
    full, _ = await as_user(c, s["login"], s["password"])
    assert (await c.post("/v1/api-keys", json=body, headers=full)).status_code == 201


async def test_a_narrowed_login_cannot_invite(membership_client, school, database):
    c, s = membership_client, school
    writer, _ = await narrowed(c, s["login"], s["password"], "membership:write")
    r = await c.post("/v1/users/invitations", json={"org_id": s["org"], "role": "org_staff"}, headers={**writer, **EN})
    assert r.status_code == 403 and r.json()["type"].endswith("scope-ceiling")
    assert "training:write" in r.json()["missing_scopes"] and "membership:write" not in r.json()["missing_scopes"]
    # a read-only session may not even try: the route declares membership:write
    reader, _ = await narrowed(c, s["login"], s["password"], "membership:read")
    r = await c.post("/v1/users/invitations", json={"org_id": s["org"], "role": "org_staff"}, headers={**reader, **EN})
    assert r.status_code == 403 and "membership:write" in r.json()["detail"]
    sql = "select count(*) from membership.one_time_tokens where kind = 'invitation' and org_id = $1"
    before = await _count(database, sql, s["org"])
    full, _ = await as_user(c, s["login"], s["password"])
    await invite(c, full, org_id=s["org"], role="org_staff")
    assert await _count(database, sql, s["org"]) == before + 1


async def test_org_staff_invite_nobody(membership_client, school):
    c, s = membership_client, school
    name, pw, _ = await new_member(c, s["org"], role="org_staff")
    staff, _ = await as_user(c, name, pw)
    for role in ("org_admin", "org_staff"):
        r = await c.post("/v1/users/invitations", json={"org_id": s["org"], "role": role}, headers={**staff, **EN})
        assert r.status_code == 403 and "org_admin" in r.json()["detail"]


async def test_me_shows_the_scopes_of_the_calling_token_and_refresh_keeps_them(membership_client, school):
    c, s = membership_client, school
    headers, tokens = await narrowed(c, s["login"], s["password"], "training:read membership:read")
    assert tokens["scope"] == "membership:read training:read"
    me = (await c.get("/v1/users/me", headers=headers)).json()
    assert me["scopes"] == ["membership:read", "training:read"] and me["roles"] == ["org_admin"]
    # a refresh continues the narrowed session: same scopes, again and again
    refresh = tokens["refresh_token"]
    for path in ("/v1/auth/refresh", "/v1/auth/token"):
        if path == "/v1/auth/refresh":
            r = await c.post(path, json={"refresh_token": refresh}, headers=anon())
        else:
            r = await c.post(path, data={"grant_type": "refresh_token", "refresh_token": refresh}, headers=anon())
        assert r.status_code == 200, r.text
        assert r.json()["scope"] == "membership:read training:read"
        principal = await principal_of(c, r.json()["access_token"])
        assert principal.scopes == ("membership:read", "training:read")
        refresh = r.json()["refresh_token"]
    # a full session shows every scope
    full, _ = await as_user(c, s["login"], s["password"])
    assert (await c.get("/v1/users/me", headers=full)).json()["scopes"] == list(ALL_SCOPES)


async def test_a_narrowed_platform_admin_writes_nothing(membership_client, database):
    read_only = token_headers(
        Principal(kind="user", subject="root-read-only", roles=("platform_admin",), scopes=("membership:read",))
    )
    body = {"name": "只读令牌建的单位", "org_type": "other", "region_code": "110105"}
    r = await membership_client.post("/v1/organizations", json=body, headers={**read_only, **EN})
    assert r.status_code == 403 and "membership:write" in r.json()["detail"]
    sql = "select count(*) from membership.organizations where name = $1"
    assert await _count(database, sql, "只读令牌建的单位") == 0


async def test_a_narrowed_login_issues_no_reset_token(membership_client, school):
    c, s = membership_client, school
    _, _, staff = await new_member(c, s["org"], role="org_staff")
    writer, _ = await narrowed(c, s["login"], s["password"], "membership:write")
    r = await c.post(f"/v1/users/{staff['id']}/password-reset", headers={**writer, **EN})
    assert r.status_code == 403 and r.json()["type"].endswith("scope-ceiling")
    full, _ = await as_user(c, s["login"], s["password"])
    assert (await c.post(f"/v1/users/{staff['id']}/password-reset", headers=full)).status_code == 201


async def test_an_org_admin_cannot_reset_a_colleague_who_administers_an_alliance(membership_client, school, database):
    c, s = membership_client, school
    x = await make_alliance(c)
    await join(c, x, s["org"])
    # a clerk of the school who is also the alliance's secretariat
    name, pw, clerk = await new_member(c, s["org"], role="org_staff")
    admin, _ = await as_user(c, s["login"], s["password"])
    # a reset token handed out before the grant ...
    early = (await c.post(f"/v1/users/{clerk['id']}/password-reset", headers=admin)).json()["reset_token"]
    r = await c.post(f"/v1/users/{clerk['id']}/alliance-grants", json={"alliance_id": x})
    assert r.status_code == 201, r.text
    # ... stops working with the grant: it would open the alliance too
    r = await c.post("/v1/auth/password-reset", json={"reset_token": early, "new_password": strong()}, headers=anon())
    assert r.status_code == 401
    sql = "select count(*) from membership.one_time_tokens where kind = 'password_reset' and user_id = $1"
    before = await _count(database, sql, clerk["id"])
    r = await c.post(f"/v1/users/{clerk['id']}/password-reset", headers={**admin, **EN})
    assert r.status_code == 403 and r.json()["type"].endswith("reset-needs-platform-admin")
    assert "platform admin" in r.json()["detail"]
    assert await _count(database, sql, clerk["id"]) == before  # nothing written
    # the clerk's password still works; the platform admin may reset
    assert (await login(c, name, pw)).status_code == 200
    r = await c.post(f"/v1/users/{clerk['id']}/password-reset")
    assert r.status_code == 201, r.text
    new_pw = strong("reset")
    body = {"reset_token": r.json()["reset_token"], "new_password": new_pw}
    assert (await c.post("/v1/auth/password-reset", json=body, headers=anon())).status_code == 200
    headers, _ = await as_user(c, name, new_pw)
    assert (await c.get("/v1/users/me", headers=headers)).json()["alliances"] == [x]  # the grant is kept
    # once the grant is revoked, the org_admin resets the clerk again
    assert (await c.delete(f"/v1/users/{clerk['id']}/alliance-grants/{x}")).status_code == 204
    assert (await c.post(f"/v1/users/{clerk['id']}/password-reset", headers=admin)).status_code == 201


async def test_claiming_an_alliance_invitation_voids_earlier_reset_tokens(membership_client, school):
    c, s = membership_client, school
    x = await make_alliance(c)
    name, pw, clerk = await new_member(c, s["org"], role="org_staff")
    admin, _ = await as_user(c, s["login"], s["password"])
    early = (await c.post(f"/v1/users/{clerk['id']}/password-reset", headers=admin)).json()["reset_token"]
    await claim(c, await invite(c, alliance_id=x), name, pw)  # an existing login receives the grant
    r = await c.post("/v1/auth/password-reset", json={"reset_token": early, "new_password": strong()}, headers=anon())
    assert r.status_code == 401
    assert (await login(c, name, pw)).status_code == 200
