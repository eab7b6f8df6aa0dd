"""Alliances: where the body sits apart from who recognised it, entity-run and legal-person status, and relations
to other alliances (sub-alliances, communities and consortia its members lead)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


async def _alliance(client, **body: object) -> dict:
    r = await client.post("/v1/alliances", json={"kind": "vocational_education_group", "level": "municipal", **body})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
async def liaocheng(membership_client):
    """seed 003: 聊城市技工教育产教集团 and the two bodies it created, led by 聊城市技师学院."""
    c = membership_client
    group = await _alliance(
        c, name=_name("聊城市技工教育产教集团"), kind="technical_education_alliance", seat_region_code="371500"
    )
    bearing = await _alliance(
        c, name=_name("聊城市轴承产业产教联合体"), kind="city_consortium", seat_region_code="371500"
    )
    auto = await _alliance(c, name=_name("聊城市汽车及零部件行业产教融合共同体"), kind="industry_community")
    r = await c.post(
        "/v1/organizations",
        json={"name": _name("聊城市技师学院"), "org_type": "technician_college", "region_code": "371502"},
    )
    assert r.status_code == 201, r.text
    return {"group": group, "bearing": bearing, "auto": auto, "school": r.json()}


async def test_a_city_consortium_records_its_seat_apart_from_its_recogniser(membership_client):
    """seed 001「均成功获批山东省第一批市域产教联合体」: a park-based 市域产教联合体 sits in a city park (its seat) and
    keeps its own municipal level; the province that approved it is not its level nor its seat."""
    c = membership_client
    body = {
        "name": _name("潍坊滨海经济技术开发区产教联合体"),
        "kind": "city_consortium",
        "seat_region_code": "370700",
        "seat_park": "潍坊滨海经济技术开发区",
    }
    a = await _alliance(c, **body)
    assert (a["seat_region_code"], a["seat_park"], a["level"], a["kind_label"]) == (
        "370700",
        "潍坊滨海经济技术开发区",
        "municipal",
        "市域产教联合体",
    )
    assert a["region_code"] == "370700"  # the old name answers the same seat
    assert (a["entity_run"], a["legal_person_status"], a["legal_person_status_label"]) == (
        False,
        "none",
        "不具备法人资格",
    )
    # The old name is still accepted; both names must agree.
    old = await _alliance(c, name=_name("潍坊高新区市域产教联合体"), kind="city_consortium", region_code="370700")
    assert old["seat_region_code"] == "370700"
    r = await c.post(
        "/v1/alliances",
        json={**body, "name": _name("冲突"), "level": "municipal", "region_code": "370300"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "seat_mismatch"
    moved = await c.patch(f"/v1/alliances/{a['id']}", json={"seat_park": "潍坊滨海经济技术开发区（新区）"})
    assert moved.status_code == 200 and moved.json()["seat_region_code"] == "370700"


async def test_entity_run_and_legal_person_status(membership_client):
    """seed 000「实体化运作的行业性产教融合集团（联盟）」 and 001「具有独立法人资格」: an alliance runs as an entity and
    may be a legal person (事业单位法人, 社会团体法人, 民办非企业单位, 企业法人) with its registration number."""
    c = membership_client
    a = await _alliance(
        c,
        name=_name("山东钢铁产教融合集团"),
        entity_run=True,
        legal_person_status="social_organization",
        legal_person_registration_no="51370000MJD123456X",
    )
    assert (a["entity_run"], a["legal_person_status_label"], a["legal_person_registration_no"]) == (
        True,
        "社会团体法人",
        "51370000MJD123456X",
    )
    r = await c.patch(
        f"/v1/alliances/{a['id']}", json={"legal_person_status": "none"}, headers={"Accept-Language": "en"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "legal_person_registration_no"]
    r = await c.patch(
        f"/v1/alliances/{a['id']}", json={"legal_person_status": "none", "legal_person_registration_no": None}
    )
    assert r.status_code == 200 and r.json()["legal_person_status"] == "none"
    for body in (
        {"legal_person_status": "foundation"},
        {"entity_run": None},
        {"legal_person_registration_no": "x" * 51},
    ):
        assert (await c.patch(f"/v1/alliances/{a['id']}", json=body)).status_code == 422, body
    r = await c.post(
        "/v1/alliances",
        json={"name": _name("无法人"), "kind": "other", "level": "municipal", "legal_person_registration_no": "123"},
    )
    assert r.status_code == 422


async def test_relations_to_communities_its_members_lead(membership_client, database, liaocheng):
    """seed 003「创建了聊城市轴承产业产教联合体」: the group records the consortium and the community its member leads;
    both alliances show the relation, each from its side."""
    c = membership_client
    group, bearing, auto, school = liaocheng["group"], liaocheng["bearing"], liaocheng["auto"], liaocheng["school"]
    url = f"/v1/alliances/{group['id']}/relations"
    body = {
        "related_alliance_id": bearing["id"],
        "kind": "community_led_by_member",
        "lead_org_id": school["id"],
        "since": "2024-03-01",
    }
    r = await c.post(url, json=body)
    assert r.status_code == 201, r.text
    rel = r.json()
    assert (rel["direction"], rel["kind_label"], rel["related_alliance_name"]) == (
        "outgoing",
        "成员单位牵头组建的共同体/联合体",
        bearing["name"],
    )
    assert r.headers["location"].endswith(rel["id"])
    assert (
        await c.post(url, json={"related_alliance_id": auto["id"], "kind": "community_led_by_member"})
    ).status_code == 201
    assert (await c.post(url, json=body)).status_code == 409  # one live relation per pair and kind
    listed = (await c.get(url)).json()["items"]
    assert [(i["related_alliance_id"], i["direction"]) for i in listed] == [
        (bearing["id"], "outgoing"),
        (auto["id"], "outgoing"),
    ]
    seen = (await c.get(f"/v1/alliances/{bearing['id']}/relations")).json()["items"]
    assert [(i["alliance_id"], i["direction"], i["lead_org_id"]) for i in seen] == [
        (group["id"], "incoming", school["id"])
    ]
    # Rules: not itself, a live alliance, a leading member only for a community, a period in order.
    bad = [
        ({"related_alliance_id": group["id"], "kind": "sub_alliance"}, ["body", "related_alliance_id"]),
        ({"related_alliance_id": str(uuid.uuid4()), "kind": "sub_alliance"}, ["body", "related_alliance_id"]),
        ({"related_alliance_id": bearing["id"], "kind": "sub_alliance", "lead_org_id": school["id"]}, ["body"]),
        (
            {
                "related_alliance_id": bearing["id"],
                "kind": "sub_alliance",
                "since": "2024-01-02",
                "until": "2024-01-01",
            },
            ["body"],
        ),
        (
            {"related_alliance_id": bearing["id"], "kind": "community_led_by_member", "lead_org_id": str(uuid.uuid4())},
            ["body", "lead_org_id"],
        ),
        ({"related_alliance_id": bearing["id"], "kind": "parent"}, ["body", "kind"]),
    ]
    for payload, loc in bad:
        r = await c.post(url, json=payload)
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == loc, (payload, r.text)
    # Ending it, then removing it: the other side sees the end, then a tombstone on a token pull.
    token = (await c.get(f"/v1/alliances/{bearing['id']}/relations")).json()["sync_token"]
    rel_url = f"{url}/{rel['id']}"
    r = await c.patch(rel_url, json={"until": "2026-06-30"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["until"] == "2026-06-30" and r.json()["version"] == 2
    assert (await c.patch(rel_url, json={"until": "2024-01-01"})).status_code == 422
    assert (
        await c.patch(f"/v1/alliances/{bearing['id']}/relations/{rel['id']}", json={"note": "x"})
    ).status_code == 404
    assert (await c.delete(rel_url, headers={"If-Match": '"1"'})).status_code == 412
    assert (await c.delete(rel_url)).status_code == 204
    pulled = (
        await c.get(
            f"/v1/alliances/{bearing['id']}/relations", params={"since_token": token, "include_deleted": "true"}
        )
    ).json()["items"]
    assert [(i["id"], i.get("deleted")) for i in pulled] == [(rel["id"], True)]
    assert (await c.get(f"/v1/alliances/{bearing['id']}/relations")).json()["items"] == []
    conn = await asyncpg.connect(database.admin_url)
    try:
        events = await conn.fetch(
            "select type from membership.outbox where aggregate_id=$1 order by seq", uuid.UUID(rel["id"])
        )
    finally:
        await conn.close()
    assert [e["type"] for e in events] == [
        "alliance_relation.created",
        "alliance_relation.updated",
        "alliance_relation.deleted",
    ]
