"""Users and API keys sync like every other list (docs/sync.md, docs/identity.md "Syncing users and API keys"):
`sync_token` on every page, `since_token` / `updated_since` pulls, `include_deleted` accepted. Neither is ever
deleted, so a disabled user and a revoked key come again as changed rows — never as tombstones — and a user whose
alliance grants changed comes again with its new `alliances`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from tests.membership.test_identity_auth import as_user, make_alliance, make_org, new_member


@pytest.fixture(scope="module")
async def school(membership_client):
    """A school with an org_admin (headers) and a clerk (user)."""
    c = membership_client
    org = await make_org(c)
    admin_login, admin_pw, admin = await new_member(c, org)
    _, _, clerk = await new_member(c, org, role="org_staff")
    headers = (await as_user(c, admin_login, admin_pw))[0]
    return {"org": org, "admin": admin, "clerk": clerk, "headers": headers}


async def pull(c, path: str, headers=None, **params) -> dict:
    r = await c.get(path, params={"limit": 500, **params}, **({"headers": headers} if headers else {}))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["next_cursor"] is None and body["sync_token"].isdigit()
    return body


def by_id(body: dict) -> dict[str, dict]:
    return {i["id"]: i for i in body["items"]}


async def test_a_disabled_user_comes_again_as_a_changed_row(membership_client, school):
    c, s = membership_client, school
    first = await pull(c, "/v1/users", s["headers"], org_id=s["org"])
    assert {s["admin"]["id"], s["clerk"]["id"]} <= set(by_id(first))
    token = first["sync_token"]
    r = await c.post(f"/v1/users/{s['clerk']['id']}/disable", headers=s["headers"])
    assert r.status_code == 200, r.text

    for include_deleted in ("false", "true"):
        changed = by_id(await pull(c, "/v1/users", s["headers"], since_token=token, include_deleted=include_deleted))
        clerk = changed[s["clerk"]["id"]]
        assert clerk["disabled_at"] is not None and clerk["version"] == s["clerk"]["version"] + 1
        assert "deleted" not in clerk  # a user is never a tombstone

    token = (await pull(c, "/v1/users", s["headers"], since_token=token))["sync_token"]
    assert (await c.post(f"/v1/users/{s['clerk']['id']}/enable", headers=s["headers"])).status_code == 200
    again = by_id(await pull(c, "/v1/users", s["headers"], since_token=token))
    assert again[s["clerk"]["id"]]["disabled_at"] is None


async def test_a_grant_change_brings_the_user_again_with_its_alliances(membership_client, school):
    c, s = membership_client, school
    alliance = await make_alliance(c)
    token = (await pull(c, "/v1/users", org_id=s["org"]))["sync_token"]
    r = await c.post(f"/v1/users/{s['admin']['id']}/alliance-grants", json={"alliance_id": alliance})
    assert r.status_code == 201, r.text
    after_grant = await pull(c, "/v1/users", org_id=s["org"], since_token=token)
    assert by_id(after_grant)[s["admin"]["id"]]["alliances"] == [alliance]

    r = await c.delete(f"/v1/users/{s['admin']['id']}/alliance-grants/{alliance}")
    assert r.status_code == 204, r.text
    after_revoke = await pull(c, "/v1/users", org_id=s["org"], since_token=after_grant["sync_token"])
    assert by_id(after_revoke)[s["admin"]["id"]]["alliances"] == []


async def test_users_updated_since_needs_an_offset_and_excludes_older_changes(membership_client, school):
    c, s = membership_client, school
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (await pull(c, "/v1/users", s["headers"], updated_since=future))["items"] == []
    past = (datetime.now(UTC) - timedelta(days=1)).astimezone().isoformat()
    assert s["admin"]["id"] in by_id(await pull(c, "/v1/users", s["headers"], updated_since=past))
    naive = await c.get("/v1/users", params={"updated_since": "2024-05-01T10:00:00"}, headers=s["headers"])
    assert naive.status_code == 422 and naive.json()["errors"][0]["type"] == "timezone"
    both = await c.get("/v1/users", params={"updated_since": future, "since_token": "1"}, headers=s["headers"])
    assert both.status_code == 400


async def test_the_users_sync_keeps_the_tenant_rule(membership_client, school):
    c, s = membership_client, school
    other = await make_org(c, "青岛某公司", "enterprise")
    o_login, o_pw, o_admin = await new_member(c, other)
    o_headers = (await as_user(c, o_login, o_pw))[0]
    seen = by_id(await pull(c, "/v1/users", o_headers, since_token="1"))
    assert o_admin["id"] in seen and s["admin"]["id"] not in seen
    r = await c.get("/v1/users", params={"org_id": s["org"], "since_token": "1"}, headers=o_headers)
    assert r.status_code == 403


async def test_a_revoked_key_comes_again_as_a_changed_row(membership_client, school):
    c, s = membership_client, school
    body = {"name": "教务系统对接", "org_id": s["org"], "scopes": ["membership:read"]}
    r = await c.post("/v1/api-keys", json=body, headers=s["headers"])
    assert r.status_code == 201, r.text
    key = r.json()
    assert key["updated_at"] == key["created_at"]
    first = await pull(c, "/v1/api-keys", s["headers"])
    assert key["id"] in by_id(first)
    token = first["sync_token"]
    assert (await c.post(f"/v1/api-keys/{key['id']}/revoke", headers=s["headers"])).status_code == 200

    for include_deleted in ("false", "true"):
        changed = by_id(await pull(c, "/v1/api-keys", s["headers"], since_token=token, include_deleted=include_deleted))
        row = changed[key["id"]]
        assert row["revoked_at"] is not None and row["active"] is False and "deleted" not in row
        assert row["updated_at"] == row["revoked_at"]
    newer = (datetime.fromisoformat(key["created_at"]) + timedelta(microseconds=1)).isoformat()
    assert key["id"] in by_id(await pull(c, "/v1/api-keys", s["headers"], updated_since=newer))

    # Another tenant's pull never shows it.
    other = await make_org(c, "青岛某公司", "enterprise")
    o_login, o_pw, _ = await new_member(c, other)
    o_headers = (await as_user(c, o_login, o_pw))[0]
    assert key["id"] not in by_id(await pull(c, "/v1/api-keys", o_headers, since_token=token))


async def test_a_bad_since_token_names_the_parameter(membership_client, school):
    for path in ("/v1/users", "/v1/api-keys"):
        r = await membership_client.get(path, params={"since_token": "x"}, headers=school["headers"])
        assert r.status_code == 400 and r.json()["errors"][0]["loc"] == ["query", "since_token"]


async def test_users_and_api_keys_carry_the_txid_trigger_and_index(membership_client, school, database):
    conn = await asyncpg.connect(database.admin_url)
    try:
        for table in ("users", "api_keys"):
            column = await conn.fetchval(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_schema = 'membership' AND table_name = $1 AND column_name = 'txid'",
                table,
            )
            assert column == "xid8", table
            trigger = await conn.fetchval(
                "SELECT tgenabled::text FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2",
                f"membership.{table}",
                f"{table}_txid",
            )
            assert trigger == "O", table
            index = await conn.fetchval(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'membership' AND indexname = $1", f"ix_{table}_txid"
            )
            assert index is not None and index.endswith("(txid, id)"), table
        async with conn.transaction():
            uid = uuid.UUID(school["clerk"]["id"])
            await conn.execute("UPDATE membership.users SET version = version WHERE id = $1", uid)
            stamped = await conn.fetchval("SELECT txid = pg_current_xact_id() FROM membership.users WHERE id = $1", uid)
        assert stamped is True
    finally:
        await conn.close()
