"""Every list that syncs by transaction id answers a `sync_token` and takes `since_token`; every synced table has
the trigger that sets `txid` on every write (docs/sync.md)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

SYNCED = {
    "training": [
        ("learners", "/v1/learners"),
        ("enrolments", "/v1/enrolments"),
        ("internships", "/v1/internships"),
        ("teacher_practices", "/v1/teacher-practices"),
        ("part_time_teaching", "/v1/part-time-teaching"),
        ("programmes", "/v1/programmes"),
        ("training_bases", "/v1/training-bases"),
    ],
    "membership": [
        ("organizations", "/v1/organizations"),
        ("people", "/v1/people"),
        ("appointments", "/v1/appointments"),
        ("memberships", "/v1/memberships"),
    ],
}
LISTS = [path for tables in SYNCED.values() for _, path in tables]


async def ids_since(client, path: str, token: str) -> set[str]:
    r = await client.get(path, params={"since_token": token, "limit": 500})
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    return {i["id"] for i in r.json()["items"]}


@pytest.mark.parametrize("path", LISTS)
async def test_every_synced_list_answers_a_token_it_accepts_back(tp, path):
    r = await tp.admin.get(path, params={"limit": 1})
    assert r.status_code == 200, r.text
    token = r.json()["sync_token"]
    assert token.isdigit()
    again = await tp.admin.get(path, params={"since_token": token})
    assert again.status_code == 200, again.text
    assert int(again.json()["sync_token"]) >= int(token)
    bad = await tp.admin.get(path, params={"since_token": "x"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["loc"] == ["query", "since_token"]


async def test_every_synced_table_has_the_txid_trigger_and_index(tp, database):
    org_id = await tp.new_org()
    conn = await asyncpg.connect(database.admin_url)
    try:
        for schema, tables in SYNCED.items():
            for table, _ in tables:
                column = await conn.fetchval(
                    "SELECT data_type FROM information_schema.columns "
                    "WHERE table_schema = $1 AND table_name = $2 AND column_name = 'txid'",
                    schema,
                    table,
                )
                assert column == "xid8", (schema, table)
                trigger = await conn.fetchval(
                    "SELECT tgenabled::text FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2",
                    f"{schema}.{table}",
                    f"{table}_txid",
                )
                assert trigger == "O", (schema, table)  # enabled
                index = await conn.fetchval(
                    "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2",
                    schema,
                    f"ix_{table}_txid",
                )
                assert index is not None and index.endswith("(txid, id)"), (schema, table)
        # A write outside the service (bulk SQL) is stamped as well: the trigger, not the code, sets it.
        async with conn.transaction():
            org = uuid.UUID(org_id)
            await conn.execute("UPDATE membership.organizations SET version = version WHERE id = $1", org)
            stamped = await conn.fetchval(
                "SELECT txid = pg_current_xact_id() FROM membership.organizations WHERE id = $1", org
            )
            assert stamped is True
    finally:
        await conn.close()


async def test_membership_writes_come_with_the_next_token_pull_and_earlier_ones_do_not(tp):
    before_org = await tp.new_org()
    alliance = await tp.new_alliance()
    tokens = {}
    for path in ("/v1/organizations", "/v1/people", "/v1/memberships"):
        tokens[path] = (await tp.admin.get(path, params={"limit": 1})).json()["sync_token"]
    org = await tp.new_org()
    r = await tp.admin.post("/v1/people", json={"name": "同步人员", "org_id": org})
    assert r.status_code == 201, r.text
    person = r.json()["id"]
    membership = await tp.join(org, alliance, "2026-01-05")

    got = await ids_since(tp.admin, "/v1/organizations", tokens["/v1/organizations"])
    assert org in got and before_org not in got
    assert person in await ids_since(tp.admin, "/v1/people", tokens["/v1/people"])
    assert membership in await ids_since(tp.admin, "/v1/memberships", tokens["/v1/memberships"])

    # A transition is an update of the membership: it syncs.
    token = (await tp.admin.get("/v1/memberships", params={"limit": 1})).json()["sync_token"]
    assert membership not in await ids_since(tp.admin, "/v1/memberships", token)
    r = await tp.admin.post(
        f"/v1/memberships/{membership}/transitions", json={"to": "withdrawn", "effective_on": "2026-06-30"}
    )
    assert r.status_code == 200, r.text
    assert membership in await ids_since(tp.admin, "/v1/memberships", token)
    # A deleted person comes back as a tombstone.
    token = (await tp.admin.get("/v1/people", params={"limit": 1})).json()["sync_token"]
    r = await tp.admin.delete(f"/v1/people/{person}")
    assert r.status_code == 204, r.text
    r = await tp.admin.get("/v1/people", params={"since_token": token, "include_deleted": "true"})
    tombstones = [i for i in r.json()["items"] if i["id"] == person]
    assert tombstones and tombstones[0]["deleted"] is True
