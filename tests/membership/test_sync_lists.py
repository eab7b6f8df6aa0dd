"""The membership lists that sync by token (docs/sync.md): alliances, alliance members, the expert pool,
committees, an organization's status changes and the reference tables. For each: a write after a token comes
with the next token pull; a removal comes as a tombstone with `include_deleted=true`, or — where nothing is ever
removed — `include_deleted` is accepted and answers no tombstone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


async def token_of(client, path: str, **params) -> str:
    r = await client.get(path, params={"limit": 1, **params})
    assert r.status_code == 200, r.text
    token = r.json()["sync_token"]
    assert token.isdigit(), r.json()
    return token


async def pull(client, path: str, token: str, **params) -> dict[str, dict]:
    """Every item of a token walk of `path` (following `next_cursor`), by id; every page answers one token."""
    items: dict[str, dict] = {}
    tokens = set()
    cursor = None
    while True:
        query = {"since_token": token, "limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        r = await client.get(path, params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        tokens.add(body["sync_token"])
        for item in body["items"]:
            items[item.get("id") or item.get("code")] = item
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(tokens) == 1, tokens
    return items


async def new_org(client, org_type: str = "enterprise") -> str:
    r = await client.post(
        "/v1/organizations", json={"name": _name("同步单位"), "org_type": org_type, "region_code": "370702"}
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def new_alliance(client) -> str:
    r = await client.post(
        "/v1/alliances", json={"name": _name("同步联盟"), "kind": "vocational_education_group", "level": "provincial"}
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def join(client, org: str, alliance: str, role: str = "member") -> str:
    r = await client.post(
        "/v1/memberships", json={"org_id": org, "alliance_id": alliance, "role": role, "applied_on": "2026-01-05"}
    )
    assert r.status_code == 201, r.text
    membership = r.json()["id"]
    await move(client, membership, "active", "2026-01-10")
    return membership


async def move(client, membership: str, to: str, on: str, **extra) -> None:
    r = await client.post(f"/v1/memberships/{membership}/transitions", json={"to": to, "effective_on": on, **extra})
    assert r.status_code == 200, r.text


# ---- alliances ---------------------------------------------------------------------------------------------
async def test_alliances_sync_writes_and_deletions(membership_client):
    c = membership_client
    before = await new_alliance(c)
    token = await token_of(c, "/v1/alliances")
    created = await new_alliance(c)
    got = await pull(c, "/v1/alliances", token)
    assert created in got and before not in got
    assert got[created]["updated_at"]

    token = await token_of(c, "/v1/alliances")
    r = await c.patch(f"/v1/alliances/{before}", json={"guiding_body": "山东省教育厅"})
    assert r.status_code == 200, r.text
    got = await pull(c, "/v1/alliances", token)
    assert set(got) >= {before} and created not in got
    assert got[before]["guiding_body"] == "山东省教育厅"

    token = await token_of(c, "/v1/alliances")
    assert (await c.delete(f"/v1/alliances/{created}")).status_code == 204
    assert created not in await pull(c, "/v1/alliances", token)
    tomb = (await pull(c, "/v1/alliances", token, include_deleted="true"))[created]
    assert tomb["deleted"] is True and tomb["deleted_at"] and set(tomb) == {"id", "deleted", "deleted_at"}
    # The other routes answer for a deleted alliance as before.
    assert (await c.get(f"/v1/alliances/{created}")).status_code == 404
    full = await c.get("/v1/alliances", params={"limit": 500})
    assert created not in {i["id"] for i in full.json()["items"]}


async def test_alliances_take_updated_since_with_an_offset_and_not_both(membership_client):
    c = membership_client
    start = datetime.now(UTC).isoformat()
    created = await new_alliance(c)
    r = await c.get("/v1/alliances", params={"updated_since": start, "limit": 500})
    assert r.status_code == 200, r.text
    assert created in {i["id"] for i in r.json()["items"]}
    naive = await c.get("/v1/alliances", params={"updated_since": "2026-01-01T00:00:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["loc"] == ["query", "updated_since"]
    both = await c.get("/v1/alliances", params={"updated_since": start, "since_token": "1"})
    assert both.status_code == 400 and both.json()["errors"][0]["loc"] == ["query", "since_token"]


# ---- alliance members --------------------------------------------------------------------------------------
async def test_members_sync_joining_role_changes_and_leaving(membership_client):
    c = membership_client
    alliance = await new_alliance(c)
    path = f"/v1/alliances/{alliance}/members"
    stays = await join(c, await new_org(c), alliance)
    token = await token_of(c, path)
    joins = await join(c, await new_org(c), alliance)
    got = await pull(c, path, token)
    assert joins in got and stays not in got
    assert got[joins]["membership_id"] == joins and got[joins]["status"] == "active" and got[joins]["updated_at"]

    token = await token_of(c, path)
    await move(c, stays, "active", "2026-02-01", role="director")
    assert (await pull(c, path, token))[stays]["role"] == "director"

    token = await token_of(c, path)
    await move(c, joins, "withdrawn", "2026-03-01")
    assert joins not in await pull(c, path, token)  # no longer on the roll
    tomb = (await pull(c, path, token, include_deleted="true"))[joins]
    assert tomb == {"id": joins, "deleted": True, "deleted_at": tomb["deleted_at"]} and tomb["deleted_at"]
    # The roll itself is unchanged: today only `stays`; before the withdrawal both.
    today = await c.get(path, params={"limit": 500})
    assert [i["id"] for i in today.json()["items"]] == [stays]
    before = await c.get(path, params={"as_of": "2026-02-15", "limit": 500})
    assert {i["id"] for i in before.json()["items"]} == {stays, joins}


# ---- expert pool -------------------------------------------------------------------------------------------
async def test_experts_sync_new_people_and_tombstones_for_those_who_leave_the_pool(membership_client):
    c = membership_client
    alliance = await new_alliance(c)
    org = await new_org(c)
    await join(c, org, alliance)
    path = f"/v1/alliances/{alliance}/experts"
    token = await token_of(c, path)
    ids = []
    for _ in range(2):
        r = await c.post("/v1/people", json={"name": "王建国", "org_id": org, "tags": ["expert"]})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    got = await pull(c, path, token)
    assert set(got) == set(ids) and all(got[i]["org_name"] for i in ids)

    token = await token_of(c, path)
    untagged, deleted = ids
    r = await c.patch(f"/v1/people/{untagged}", json={"tags": ["craftsman"]})
    assert r.status_code == 200, r.text
    assert (await c.delete(f"/v1/people/{deleted}")).status_code == 204
    assert await pull(c, path, token) == {}
    got = await pull(c, path, token, include_deleted="true")
    assert set(got) == {untagged, deleted} and all(i["deleted"] is True for i in got.values())


# ---- committees --------------------------------------------------------------------------------------------
async def test_committees_sync_writes_and_an_operators_removal(membership_client, database):
    c = membership_client
    alliance = await new_alliance(c)
    token = await token_of(c, "/v1/committees", alliance_id=alliance)
    r = await c.post(
        "/v1/committees", json={"alliance_id": alliance, "name": "专业建设委员会", "body_type": "working_committee"}
    )
    assert r.status_code == 201, r.text
    committee = r.json()["id"]
    assert committee in await pull(c, "/v1/committees", token, alliance_id=alliance)

    token = await token_of(c, "/v1/committees", alliance_id=alliance)
    assert (await c.patch(f"/v1/committees/{committee}", json={"description": "负责专业建设"})).status_code == 200
    got = await pull(c, "/v1/committees", token, alliance_id=alliance)
    assert got[committee]["description"] == "负责专业建设"

    # No route removes a committee; one an operator removes comes as a tombstone.
    token = await token_of(c, "/v1/committees", alliance_id=alliance)
    conn = await asyncpg.connect(database.admin_url)
    try:
        await conn.execute("UPDATE membership.committees SET deleted_at = now() WHERE id = $1", uuid.UUID(committee))
    finally:
        await conn.close()
    assert await pull(c, "/v1/committees", token, alliance_id=alliance) == {}
    tomb = (await pull(c, "/v1/committees", token, alliance_id=alliance, include_deleted="true"))[committee]
    assert tomb["deleted"] is True and tomb["deleted_at"]
    assert (await c.get(f"/v1/committees/{committee}")).status_code == 404


# ---- status changes ----------------------------------------------------------------------------------------
async def test_status_changes_sync_and_have_no_tombstones(membership_client):
    c = membership_client
    org = await new_org(c)
    path = f"/v1/organizations/{org}/status-changes"
    token = await token_of(c, path)
    r = await c.post(path, json={"to": "inactive", "reason": "企业注销"})
    assert r.status_code == 201, r.text
    event = r.json()["id"]
    got = await pull(c, path, token)
    assert set(got) == {event} and got[event]["updated_at"] == got[event]["recorded_at"]
    assert await pull(c, path, token, include_deleted="true") == got
    token = await token_of(c, path)
    assert await pull(c, path, token) == {}


# ---- memberships -------------------------------------------------------------------------------------------
async def test_memberships_accept_include_deleted_and_an_ended_membership_comes_as_an_update(membership_client):
    c = membership_client
    alliance = await new_alliance(c)
    membership = await join(c, await new_org(c), alliance)
    token = await token_of(c, "/v1/memberships", alliance_id=alliance)
    await move(c, membership, "withdrawn", "2026-03-01")
    got = await pull(c, "/v1/memberships", token, alliance_id=alliance, include_deleted="true")
    assert got[membership]["status"] == "withdrawn" and "deleted" not in got[membership]


# ---- reference tables --------------------------------------------------------------------------------------
async def test_reference_token_pull_returns_added_codes_and_the_token_stays_while_nothing_is_added(
    membership_client,
):
    c = membership_client
    path = "/v1/reference/industries"
    first = await c.get(path, params={"limit": 5})
    token, tag = first.json()["sync_token"], first.headers["ETag"]
    await new_org(c)  # a write elsewhere in the service
    again = await c.get(path, params={"limit": 5}, headers={"If-None-Match": tag})
    assert again.status_code == 304  # same token, same page: the public list keeps revalidating
    assert await pull(c, path, token) == {}
    assert await pull(c, path, token, include_deleted="true") == {}

    r = await c.post(path, json={"code": "3398", "name": "其他金属结构制造", "level": "4", "parent_code": "339"})
    assert r.status_code == 201, r.text
    got = await pull(c, path, token)
    assert set(got) == {"3398"} and got["3398"]["source"] == "override" and got["3398"]["updated_at"]
    assert (await c.get(path, params={"limit": 5}, headers={"If-None-Match": tag})).status_code == 200
    newer = await token_of(c, path)
    assert int(newer) > int(token) and await pull(c, path, newer) == {}
    # Shipped codes walk by code as before, with the cursor carrying the walk's token.
    page = (await c.get(path, params={"limit": 3})).json()
    nxt = (await c.get(path, params={"limit": 3, "cursor": page["next_cursor"]})).json()
    assert [i["code"] for i in page["items"]] == sorted(i["code"] for i in page["items"])
    assert page["items"][-1]["code"] < nxt["items"][0]["code"] and nxt["sync_token"] == page["sync_token"]


# ---- an organization's unpaged sub-lists -------------------------------------------------------------------
@pytest.mark.parametrize("sub_list", ["majors", "school-stats"])
async def test_a_change_to_a_schools_sub_list_syncs_on_the_organization(membership_client, sub_list):
    c = membership_client
    school = await new_org(c, "higher_vocational")
    version = (await c.get(f"/v1/organizations/{school}")).json()["version"]
    token = await token_of(c, "/v1/organizations")
    if sub_list == "majors":
        body = {"year": 2025, "majors": [{"major_code": "460301", "enrolment": 120, "graduates": 98}]}
        r = await c.put(f"/v1/organizations/{school}/majors", json=body)
    else:
        body = {"full_time_enrolment": 4200, "students": 12800, "graduates": 3900}
        r = await c.put(f"/v1/organizations/{school}/school-stats/2025", json=body)
    assert r.status_code in (200, 201), r.text
    got = await pull(c, "/v1/organizations", token)
    assert school in got and got[school]["version"] == version + 1
    # Sending the same figures again changes nothing, so the organization does not come again.
    token = await token_of(c, "/v1/organizations")
    if sub_list == "majors":
        r = await c.put(f"/v1/organizations/{school}/majors", json=body)
    else:
        r = await c.put(f"/v1/organizations/{school}/school-stats/2025", json=body)
    assert r.status_code == 200, r.text
    assert school not in await pull(c, "/v1/organizations", token)
