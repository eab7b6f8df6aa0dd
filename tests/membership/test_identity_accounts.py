"""Account lifecycle: invitations and claims (an alliance admin invites an organization's first org_admin only),
/users/me, password change, admin-initiated reset, disabling, user reads, alliance grants, audit rows."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from chanjiao.auth import ALL_SCOPES, Principal
from tests.conftest import token_headers
from tests.membership.test_identity_auth import (
    anon,
    as_user,
    claim,
    frozen_clock,
    invite,
    join,
    login,
    login_name,
    make_alliance,
    make_org,
    new_member,
    strong,
)


@pytest.fixture(scope="module")
async def tenants(membership_client):
    """Alliance X with member school A (registered by X's secretariat, unclaimed at first) and outsider org B; a
    secretariat user of X."""
    c = membership_client
    x = await make_alliance(c)
    sec_login, sec_pw = login_name("sec"), strong("sec")
    await claim(c, await invite(c, alliance_id=x, display_name="联盟秘书处"), sec_login, sec_pw, "联盟秘书处")
    sec, _ = await as_user(c, sec_login, sec_pw)
    a = await _registered_by_x(c, sec, "淄博职业学院")
    b = await make_org(c, "青岛某化工公司", "enterprise")
    await join(c, x, a)
    return {"x": x, "a": a, "b": b, "sec": sec}


async def _registered_by_x(c, sec: dict[str, str], name: str = "淄博市技师学院") -> str:
    """An organization X's secretariat registers: X may invite its first org admin while it is unclaimed."""
    body = {"name": f"{name}{uuid.uuid4().hex[:6]}", "org_type": "higher_vocational", "region_code": "370302"}
    r = await c.post("/v1/organizations", json=body, headers=sec)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_alliance_admin_invites_the_first_org_admin_who_claims_the_org(membership_client, tenants):
    c, t = membership_client, tenants
    # only for organizations the alliance registered
    assert (
        await invite(c, headers=t["sec"], expect=403, org_id=t["b"], role="org_admin")
        == "urn:chanjiao:problem:forbidden"
    )
    # only org_admin, not staff
    await invite(c, headers=t["sec"], expect=403, org_id=t["a"], role="org_staff")
    token = await invite(c, headers=t["sec"], org_id=t["a"], role="org_admin", display_name="李校长")
    assert token.startswith("cji_")
    name, pw = login_name("head"), strong("head")
    user = await claim(c, token, name, pw, display_name="李校长")
    assert user["org_id"] == t["a"] and user["org_role"] == "org_admin" and "password" not in str(user)
    await claim(c, token, login_name(), strong(), expect=401)  # one time only
    headers, tokens = await as_user(c, name, pw)
    me = (await c.get("/v1/users/me", headers=headers)).json()
    assert me["org"]["id"] == t["a"] and me["org_role"] == "org_admin" and me["roles"] == ["org_admin"]
    assert me["scopes"] == list(ALL_SCOPES) and me["display_name"] == "李校长" and me["login"] == name
    # claimed: the secretariat may no longer invite an org_admin there; the org_admin invites its staff
    r = await c.post("/v1/users/invitations", json={"org_id": t["a"], "role": "org_admin"}, headers=t["sec"])
    assert r.status_code == 403 and r.json()["type"].endswith("organization-claimed")
    staff_token = await invite(c, headers=headers, org_id=t["a"], role="org_staff")
    staff = await claim(c, staff_token, login_name("staff"), strong())
    assert staff["org_role"] == "org_staff"
    # … but not for another organization
    await invite(c, headers=headers, expect=403, org_id=t["b"], role="org_staff")
    # an org_admin cannot hand out alliance grants
    await invite(c, headers=headers, expect=403, alliance_id=t["x"])


async def test_an_unclaimed_invitation_expires_when_the_org_is_claimed_meanwhile(membership_client, tenants):
    c, t = membership_client, tenants
    org = await _registered_by_x(c, t["sec"])
    await join(c, t["x"], org)
    first = await invite(c, headers=t["sec"], org_id=org, role="org_admin")
    second = await invite(c, headers=t["sec"], org_id=org, role="org_admin")
    await claim(c, first, login_name(), strong())
    r = await c.post(
        "/v1/auth/claim",
        json={"invitation_token": second, "login": login_name(), "password": strong(), "display_name": "王"},
        headers=anon(),
    )
    assert r.status_code == 409 and r.json()["type"].endswith("organization-claimed")


async def test_a_user_belongs_to_one_organization(membership_client, tenants):
    c, t = membership_client, tenants
    name, pw, _ = await new_member(c, t["b"], role="org_staff")
    token = await invite(c, org_id=await make_org(c), role="org_admin")
    r = await c.post("/v1/auth/claim", json={"invitation_token": token, "login": name, "password": pw}, headers=anon())
    assert r.status_code == 409 and r.json()["type"].endswith("already-in-organization")
    # an existing login must prove its password
    r = await c.post(
        "/v1/auth/claim",
        json={"invitation_token": token, "login": name, "password": "Not-their-password-9"},
        headers=anon(),
    )
    assert r.status_code == 401
    # … and a login without organization joins one with its own password
    x2 = await make_alliance(c)
    nomad, nomad_pw = login_name("nomad"), strong()
    await claim(c, await invite(c, alliance_id=x2), nomad, nomad_pw)
    joined = await claim(c, token, nomad.upper(), nomad_pw)
    assert joined["org_role"] == "org_admin" and joined["alliances"] == [x2]
    r = await c.post(
        "/v1/auth/claim",
        json={"invitation_token": await invite(c, org_id=t["a"], role="org_staff"), "login": "x", "password": "y"},
        headers=anon(),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "login"]


async def test_change_password_keeps_this_session_and_ends_the_others(membership_client, tenants):
    c, t = membership_client, tenants
    name, pw, _ = await new_member(c, t["b"], role="org_staff")
    headers, mine = await as_user(c, name, pw)
    other = (await login(c, name, pw)).json()["refresh_token"]
    r = await c.post(
        "/v1/users/me/password", json={"current_password": "Wrong-current-1", "new_password": strong()}, headers=headers
    )
    assert r.status_code == 403 and r.json()["type"].endswith("wrong-password")
    r = await c.post(
        "/v1/users/me/password", json={"current_password": pw, "new_password": f"{name}-new-pw"}, headers=headers
    )
    assert r.status_code == 422 and r.json()["errors"][0] == {
        "loc": ["body", "new_password"],
        "msg": "密码不能包含登录名",
        "type": "contains_login",
    }
    new_pw = strong("new")
    r = await c.post(
        "/v1/users/me/password",
        json={"current_password": pw, "new_password": new_pw, "refresh_token": mine["refresh_token"]},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["sessions_ended"] == 1 and r.json()["login"] == name
    assert (await c.post("/v1/auth/refresh", json={"refresh_token": other}, headers=anon())).status_code == 401
    assert (
        await c.post("/v1/auth/refresh", json={"refresh_token": mine["refresh_token"]}, headers=anon())
    ).status_code == 200
    assert (await login(c, name, pw)).status_code == 400
    assert (await login(c, name, new_pw)).status_code == 200


async def test_admin_reset_token_sets_a_new_password(membership_client, tenants, monkeypatch):
    frozen_clock(monkeypatch)  # the throttle's waits do not run out while the test runs
    c, t = membership_client, tenants
    admin_login, admin_pw, admin = await new_member(c, t["b"])
    admin_h, _ = await as_user(c, admin_login, admin_pw)
    name, pw, staff = await new_member(c, t["b"], role="org_staff")
    session = (await login(c, name, pw)).json()["refresh_token"]
    for _ in range(5):
        await login(c, name, "Forgotten-password-1")
    assert (await login(c, name, pw)).status_code == 429
    # another organization's org_admin, and staff, may not
    a_admin = token_headers(
        Principal(kind="user", subject=str(uuid.uuid4()), org_id=t["a"], roles=("org_admin",), scopes=ALL_SCOPES)
    )
    assert (await c.post(f"/v1/users/{staff['id']}/password-reset", headers=a_admin)).status_code == 403
    r = await c.post(f"/v1/users/{staff['id']}/password-reset", headers=admin_h)
    assert r.status_code == 201, r.text
    first = r.json()["reset_token"]
    r = await c.post(f"/v1/users/{staff['id']}/password-reset", headers=admin_h)
    reset = r.json()["reset_token"]
    assert reset.startswith("cjp_") and r.json()["user_id"] == staff["id"]
    new_pw = strong("reset")
    bad = await c.post(
        "/v1/auth/password-reset", json={"reset_token": reset, "new_password": "tooshort"}, headers=anon()
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "new_password"]
    # a superseded token no longer works
    r = await c.post("/v1/auth/password-reset", json={"reset_token": first, "new_password": new_pw}, headers=anon())
    assert r.status_code == 401
    r = await c.post("/v1/auth/password-reset", json={"reset_token": reset, "new_password": new_pw}, headers=anon())
    assert r.status_code == 200, r.text
    assert r.json() == {**r.json(), "user_id": staff["id"], "login": name, "sessions_ended": 1}
    r = await c.post("/v1/auth/password-reset", json={"reset_token": reset, "new_password": new_pw}, headers=anon())
    assert r.status_code == 401  # used
    assert (await c.post("/v1/auth/refresh", json={"refresh_token": session}, headers=anon())).status_code == 401
    assert (await login(c, name, new_pw)).status_code == 200  # lockout cleared too
    assert (await login(c, name, pw)).status_code == 400
    assert admin["org_role"] == "org_admin"


async def test_disable_ends_sessions_and_logins(membership_client, tenants):
    c, t = membership_client, tenants
    admin_login, admin_pw, admin = await new_member(c, t["b"])
    admin_h, _ = await as_user(c, admin_login, admin_pw)
    name, pw, staff = await new_member(c, t["b"], role="org_staff")
    session = (await login(c, name, pw)).json()["refresh_token"]
    wrong = (await login(c, login_name("nobody"), pw)).json()["detail"]
    r = await c.post(f"/v1/users/{staff['id']}/disable", headers=admin_h)
    assert r.status_code == 200 and r.json()["disabled_at"] is not None
    r = await login(c, name, pw)
    assert r.status_code == 400 and r.json()["detail"] == wrong  # like a wrong password
    assert (await c.post("/v1/auth/refresh", json={"refresh_token": session}, headers=anon())).status_code == 401
    assert (await c.post(f"/v1/users/{staff['id']}/disable", headers=admin_h)).status_code == 200  # idempotent
    r = await c.post(f"/v1/users/{admin['id']}/disable", headers=admin_h)
    assert r.status_code == 409 and r.json()["type"].endswith("cannot-disable-self")
    a_admin = token_headers(
        Principal(kind="user", subject=str(uuid.uuid4()), org_id=t["a"], roles=("org_admin",), scopes=ALL_SCOPES)
    )
    assert (await c.post(f"/v1/users/{staff['id']}/enable", headers=a_admin)).status_code == 403
    r = await c.post(f"/v1/users/{staff['id']}/enable", headers=admin_h)
    assert r.status_code == 200 and r.json()["disabled_at"] is None
    assert (await login(c, name, pw)).status_code == 200


async def test_user_reads_are_tenant_scoped(membership_client, tenants):
    c, t = membership_client, tenants
    b_login, b_pw, b_admin = await new_member(c, t["b"])
    b_h, _ = await as_user(c, b_login, b_pw)
    s_login, s_pw, staff = await new_member(c, t["b"], role="org_staff")
    staff_h, _ = await as_user(c, s_login, s_pw)
    _, _, a_user = await new_member(c, t["a"], role="org_staff")
    r = await c.get("/v1/users", headers=b_h)
    assert r.status_code == 200 and {u["org_id"] for u in r.json()["items"]} == {t["b"]}
    assert (await c.get("/v1/users", params={"org_id": t["a"]}, headers=b_h)).status_code == 403
    assert (await c.get("/v1/users", headers=staff_h)).status_code == 403
    assert (await c.get(f"/v1/users/{staff['id']}", headers=b_h)).status_code == 200
    assert (await c.get(f"/v1/users/{a_user['id']}", headers=b_h)).status_code == 404
    assert (await c.get(f"/v1/users/{staff['id']}", headers=staff_h)).status_code == 200  # yourself
    assert (await c.get(f"/v1/users/{b_admin['id']}", headers=staff_h)).status_code == 404
    r = await c.get("/v1/users", params={"org_id": t["a"], "limit": 1})
    assert r.status_code == 200 and len(r.json()["items"]) == 1 and r.json()["next_cursor"]
    # API keys and services are not users
    key = token_headers(Principal(kind="api_key", subject="k", org_id=t["b"], roles=("org_admin",), scopes=ALL_SCOPES))
    assert (await c.get("/v1/users/me", headers=key)).status_code == 403


async def test_alliance_grants(membership_client, tenants, database):
    c, t = membership_client, tenants
    name, pw, user = await new_member(c, t["b"], role="org_staff")
    r = await c.post(f"/v1/users/{user['id']}/alliance-grants", json={"alliance_id": t["x"]})
    assert r.status_code == 201 and r.json()["alliance_id"] == t["x"]
    assert (await c.post(f"/v1/users/{user['id']}/alliance-grants", json={"alliance_id": t["x"]})).status_code == 409
    r = await c.post(f"/v1/users/{user['id']}/alliance-grants", json={"alliance_id": str(uuid.uuid4())})
    assert r.status_code == 422
    headers, tokens = await as_user(c, name, pw)
    me = (await c.get("/v1/users/me", headers=headers)).json()
    assert me["roles"] == ["alliance_admin", "org_staff"] and me["alliances"] == [t["x"]]
    # platform admins only
    assert (
        await c.post(f"/v1/users/{user['id']}/alliance-grants", json={"alliance_id": t["x"]}, headers=t["sec"])
    ).status_code == 403
    assert (await c.delete(f"/v1/users/{user['id']}/alliance-grants/{t['x']}")).status_code == 204
    assert (await c.delete(f"/v1/users/{user['id']}/alliance-grants/{t['x']}")).status_code == 404
    headers, _ = await as_user(c, name, pw)
    assert (await c.get("/v1/users/me", headers=headers)).json()["alliances"] == []
    # audit rows, without secrets
    conn = await asyncpg.connect(database.admin_url)
    try:
        rows = await conn.fetch(
            "select entity, action, diff::text as diff from membership.audit_log "
            "where entity in ('user', 'alliance_grant', 'invitation', 'password_reset')"
        )
    finally:
        await conn.close()
    actions = {(r["entity"], r["action"]) for r in rows}
    assert {
        ("user", "create"),
        ("alliance_grant", "create"),
        ("alliance_grant", "revoke"),
        ("invitation", "create"),
    } <= actions
    text = " ".join(r["diff"] for r in rows)
    assert "argon2" not in text and "cji_" not in text and "cjp_" not in text and pw not in text
