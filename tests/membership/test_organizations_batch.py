"""`POST /v1/organizations/batch`: per-item results, savepoints, atomic mode, idempotency."""

from __future__ import annotations

import uuid

import asyncpg

from tests.membership.test_organizations_structure import create, credit_code, org


async def _count(database, name_prefix: str) -> int:
    conn = await asyncpg.connect(database.admin_url)
    try:
        return await conn.fetchval(
            "select count(*) from membership.organizations where name like $1 and deleted_at is null", name_prefix + "%"
        )
    finally:
        await conn.close()


async def test_valid_items_commit_invalid_ones_touch_nothing(membership_client, database):
    tag = f"批量{uuid.uuid4().hex[:6]}"
    taken = await create(membership_client, credit_code=credit_code())
    dup_code = credit_code()
    items = [
        org(name=f"{tag}甲"),
        org(name=f"{tag}乙", region_code="999999"),  # 422
        org(name=f"{tag}丙", credit_code=taken["credit_code"]),  # 409 existing
        org(name=f"{tag}丁", credit_code=dup_code),
        org(name=f"{tag}戊", credit_code=dup_code),  # 409: the item before took it
        "not an object",
        org(name=f"{tag}己", parent_id=str(uuid.uuid4())),  # 422 parent not found
    ]
    r = await membership_client.post("/v1/organizations/batch", json={"items": items})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["committed"] is True and body["created"] == 2 and body["failed"] == 5
    statuses = [(x["index"], x["status"]) for x in body["results"]]
    assert statuses == [(0, 201), (1, 422), (2, 409), (3, 201), (4, 409), (5, 422), (6, 422)]
    res = body["results"]
    assert res[2]["existing_id"] == taken["id"]
    assert res[4]["existing_id"] == res[3]["id"]
    assert res[1]["problem"]["errors"][0]["loc"] == ["body", "items", 1, "region_code"]
    assert res[1]["problem"]["errors"][0]["type"] == "province"
    assert res[6]["problem"]["errors"][0]["type"] == "not_found"
    assert await _count(database, tag) == 2
    got = await membership_client.get(f"/v1/organizations/{res[0]['id']}")
    assert got.status_code == 200 and got.json()["name"] == f"{tag}甲"


async def test_atomic_is_all_or_nothing(membership_client, database):
    tag = f"原子{uuid.uuid4().hex[:6]}"
    items = [org(name=f"{tag}甲"), org(name=f"{tag}乙", org_type="university"), org(name=f"{tag}丙")]
    r = await membership_client.post(
        "/v1/organizations/batch", params={"atomic": "true"}, json={"items": items}, headers={"Accept-Language": "en"}
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("batch-rejected") and body["committed"] is False
    assert [(x["index"], x["status"]) for x in body["results"]] == [(0, 424), (1, 422), (2, 424)]
    assert "id" not in body["results"][0]
    assert await _count(database, tag) == 0
    ok = await membership_client.post(
        "/v1/organizations/batch", params={"atomic": "true"}, json={"items": [items[0], items[2]]}
    )
    assert ok.status_code == 200 and ok.json()["created"] == 2
    assert await _count(database, tag) == 2


async def test_idempotency_keys_the_whole_batch(membership_client, database):
    tag = f"幂等{uuid.uuid4().hex[:6]}"
    payload = {"items": [org(name=f"{tag}{i}") for i in range(3)]}
    h = {"Idempotency-Key": "b-" + uuid.uuid4().hex}
    a = await membership_client.post("/v1/organizations/batch", json=payload, headers=h)
    b = await membership_client.post("/v1/organizations/batch", json=payload, headers=h)
    assert a.status_code == b.status_code == 200 and a.json() == b.json()
    assert b.headers["idempotent-replayed"] == "true"
    assert await _count(database, tag) == 3
    other = await membership_client.post("/v1/organizations/batch", json={"items": payload["items"][:1]}, headers=h)
    assert other.status_code == 422


async def test_limits(membership_client):
    assert (await membership_client.post("/v1/organizations/batch", json={"items": []})).status_code == 422
    r = await membership_client.post("/v1/organizations/batch", json={"items": [{}] * 1001})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "too_long"
    assert (await membership_client.post("/v1/organizations/batch", json=[org()])).status_code == 422


async def test_a_thousand_items(membership_client, database):
    tag = f"千条{uuid.uuid4().hex[:6]}"
    items = [org(name=f"{tag}{i:04d}") for i in range(1000)]
    r = await membership_client.post("/v1/organizations/batch", json={"items": items})
    assert r.status_code == 200 and r.json()["created"] == 1000
    assert await _count(database, tag) == 1000
