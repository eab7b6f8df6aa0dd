"""API keys: shown once, stored hashed, introspected by the gateway (active → revoked/expired → inactive),
managed only by people of the same tenant (org_admin / alliance admin / platform admin)."""

from __future__ import annotations

import asyncpg
import pytest

from chanjiao.auth import ALL_SCOPES, Principal
from tests.conftest import token_headers
from tests.membership.test_identity_auth import as_user, gateway, join, make_alliance, make_org, new_member


@pytest.fixture(scope="module")
async def tenants(membership_client):
    c = membership_client
    x = await make_alliance(c)
    a, b = await make_org(c), await make_org(c, "青岛某公司", "enterprise")
    await join(c, x, a)
    a_login, a_pw, _ = await new_member(c, a)
    b_login, b_pw, _ = await new_member(c, b)
    s_login, s_pw, _ = await new_member(c, a, role="org_staff")
    return {
        "x": x,
        "a": a,
        "b": b,
        "a_admin": (await as_user(c, a_login, a_pw))[0],
        "b_admin": (await as_user(c, b_login, b_pw))[0],
        "a_staff": (await as_user(c, s_login, s_pw))[0],
        "sec": token_headers(
            Principal(kind="user", subject="sec-x", roles=("alliance_admin",), scopes=ALL_SCOPES, alliances=(x,))
        ),
    }


async def introspect(c, key: str) -> dict:
    r = await c.post("/v1/auth/introspect", json={"api_key": key}, headers=gateway())
    assert r.status_code == 200, r.text
    return r.json()


async def test_org_key_lifecycle(membership_client, tenants, database):
    c, t = membership_client, tenants
    body = {"name": "教务系统对接", "org_id": t["a"], "scopes": ["training:write", "membership:read"]}
    r = await c.post("/v1/api-keys", json=body, headers=t["a_admin"])
    assert r.status_code == 201, r.text
    created = r.json()
    key = created["key"]
    assert key.startswith("cjk_") and created["prefix"] == key[:12] and created["active"] is True
    assert created["scopes"] == ["membership:read", "training:write"] and r.headers["cache-control"] == "no-store"
    shown = await c.get(f"/v1/api-keys/{created['id']}", headers=t["a_admin"])
    assert shown.status_code == 200 and "key" not in shown.json() and key not in shown.text
    assert shown.json()["last_used_at"] is None
    listed = (await c.get("/v1/api-keys", headers=t["a_admin"])).json()["items"]
    assert [k["id"] for k in listed] == [created["id"]] and key not in str(listed)
    # the gateway checks it
    answer = await introspect(c, key)
    assert answer == {
        "active": True,
        "principal": {
            "kind": "api_key",
            "subject": created["id"],
            "org_id": t["a"],
            "roles": ["org_admin"],
            "scopes": ["membership:read", "training:write"],
            "alliances": [],
        },
        "expires_at": None,
    }
    assert (await c.get(f"/v1/api-keys/{created['id']}", headers=t["a_admin"])).json()["last_used_at"] is not None
    # only the gateway introspects
    r = await c.post("/v1/auth/introspect", json={"api_key": key}, headers=t["a_admin"])
    assert r.status_code == 403
    # revoke → inactive; idempotent
    r = await c.post(f"/v1/api-keys/{created['id']}/revoke", headers=t["a_admin"])
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["revoked_at"]
    assert (await c.delete(f"/v1/api-keys/{created['id']}", headers=t["a_admin"])).status_code == 204
    assert await introspect(c, key) == {"active": False}
    # nothing about the key in the database but its hash and prefix
    conn = await asyncpg.connect(database.admin_url)
    try:
        dump = " ".join(str(dict(r)) for r in await conn.fetch("select * from membership.api_keys"))
        audit = " ".join(r["d"] for r in await conn.fetch("select diff::text d from membership.audit_log"))
    finally:
        await conn.close()
    assert key not in dump and key not in audit and key[:12] in dump


async def test_malformed_unknown_and_expired_keys_are_inactive(membership_client, tenants, database):
    c, t = membership_client, tenants
    for junk in ("", "nope", "cjk_" + "A" * 43, "Bearer cjk_x"):
        assert await introspect(c, junk) == {"active": False}
    body = {
        "name": "临时密钥",
        "org_id": t["a"],
        "scopes": ["membership:read"],
        "expires_at": "2099-01-01T00:00:00+08:00",
    }
    created = (await c.post("/v1/api-keys", json=body, headers=t["a_admin"])).json()
    assert (await introspect(c, created["key"]))["expires_at"].startswith("2098-12-31T16:00:00")
    conn = await asyncpg.connect(database.admin_url)
    try:
        await conn.execute(
            "update membership.api_keys set expires_at = now() - interval '1 second' where id = $1::uuid", created["id"]
        )
    finally:
        await conn.close()
    assert await introspect(c, created["key"]) == {"active": False}
    assert (await c.get(f"/v1/api-keys/{created['id']}", headers=t["a_admin"])).json()["active"] is False
    # creation rules
    past = {**body, "expires_at": "2020-01-01T00:00:00+08:00"}
    r = await c.post("/v1/api-keys", json=past, headers=t["a_admin"])
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "expires_at"]
    for bad in ({**body, "scopes": []}, {**body, "scopes": ["admin:all"]}, {**body, "alliance_id": t["x"]}):
        assert (await c.post("/v1/api-keys", json=bad, headers=t["a_admin"])).status_code == 422


async def test_wrong_tenant_and_wrong_role(membership_client, tenants):
    c, t = membership_client, tenants
    body = {"name": "对接", "org_id": t["a"], "scopes": ["membership:read"]}
    assert (await c.post("/v1/api-keys", json=body, headers=t["b_admin"])).status_code == 403
    assert (await c.post("/v1/api-keys", json=body, headers=t["a_staff"])).status_code == 403
    created = (await c.post("/v1/api-keys", json=body, headers=t["a_admin"])).json()
    assert (await c.get(f"/v1/api-keys/{created['id']}", headers=t["b_admin"])).status_code == 404
    assert (await c.post(f"/v1/api-keys/{created['id']}/revoke", headers=t["b_admin"])).status_code == 403
    assert (await c.delete(f"/v1/api-keys/{created['id']}", headers=t["b_admin"])).status_code == 403
    assert created["id"] not in str((await c.get("/v1/api-keys", headers=t["b_admin"])).json())
    # a key cannot mint keys, even its own organization's
    key_principal = token_headers(
        Principal(kind="api_key", subject=created["id"], org_id=t["a"], roles=("org_admin",), scopes=ALL_SCOPES)
    )
    assert (await c.post("/v1/api-keys", json=body, headers=key_principal)).status_code == 403
    # an alliance admin manages its alliance's keys, not its members'
    assert (await c.post("/v1/api-keys", json=body, headers=t["sec"])).status_code == 403
    assert (await c.get(f"/v1/api-keys/{created['id']}", headers=t["sec"])).status_code == 404
    # the platform admin sees and filters everything
    r = await c.get("/v1/api-keys", params={"org_id": t["a"]})
    assert created["id"] in [k["id"] for k in r.json()["items"]]


async def test_alliance_key_acts_as_the_alliance_admin(membership_client, tenants):
    c, t = membership_client, tenants
    body = {"name": "秘书处网站", "alliance_id": t["x"], "scopes": ["membership:read", "membership:write"]}
    r = await c.post("/v1/api-keys", json=body, headers=t["sec"])
    assert r.status_code == 201, r.text
    created = r.json()
    answer = await introspect(c, created["key"])
    assert answer["principal"] == {
        "kind": "api_key",
        "subject": created["id"],
        "org_id": None,
        "roles": ["alliance_admin"],
        "scopes": ["membership:read", "membership:write"],
        "alliances": [t["x"]],
    }
    listed = (await c.get("/v1/api-keys", headers=t["sec"])).json()["items"]
    assert [k["id"] for k in listed] == [created["id"]]
    other = token_headers(
        Principal(kind="user", subject="sec-y", roles=("alliance_admin",), scopes=ALL_SCOPES, alliances=("y",))
    )
    assert (await c.post("/v1/api-keys", json=body, headers=other)).status_code == 403
    assert (await c.post(f"/v1/api-keys/{created['id']}/revoke", headers=other)).status_code == 403
