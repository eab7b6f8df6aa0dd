"""Committees: seats obey membership (active members only, and they end with the membership)."""

from __future__ import annotations

import uuid

import pytest

from tests.membership.test_alliances_api import apply, make_org, move


@pytest.fixture(scope="module")
async def setup(membership_client):
    c = membership_client
    r = await c.post(
        "/v1/alliances",
        json={
            "name": f"淄博市技工教育联盟{uuid.uuid4().hex[:4]}",
            "kind": "technical_education_alliance",
            "level": "municipal",
        },
    )
    a = r.json()["id"]
    school = await make_org(c, "淄博市技师学院", "technician_college", "370302")
    firm = await make_org(c, "淄博齐鲁化工公司", "enterprise", "370305")
    outsider = await make_org(c, "青岛某公司", "enterprise", "370211")
    m_school = await apply(c, a, school, "2020-01-01")
    await move(c, m_school, "active", "2020-02-01")
    m_firm = await apply(c, a, firm, "2020-01-01")
    await move(c, m_firm, "active", "2020-02-01")
    r = await c.post(
        "/v1/committees",
        json={
            "alliance_id": a,
            "name": "工业机器人专业指导委员会",
            "body_type": "specialized_committee",
            "domain": "工业机器人",
            "established_on": "2021-03-18",
        },
    )
    assert r.status_code == 201, r.text
    return {
        "alliance": a,
        "committee": r.json()["id"],
        "school": school,
        "firm": firm,
        "outsider": outsider,
        "m_firm": m_firm,
    }


async def test_only_active_members_hold_seats(membership_client, setup):
    url = f"/v1/committees/{setup['committee']}/seats"
    r = await membership_client.post(
        url, json={"org_id": setup["school"], "seat_role": "director_unit", "start_on": "2021-03-18"}
    )
    assert r.status_code == 201 and r.json()["seat_role_label"] == "主任单位"
    r = await membership_client.post(
        url, json={"org_id": setup["outsider"], "seat_role": "member_unit", "start_on": "2021-03-18"}
    )
    assert r.status_code == 409 and r.json()["type"].endswith("not-an-active-member")
    r = await membership_client.post(
        url, json={"org_id": setup["firm"], "seat_role": "member_unit", "start_on": "2019-12-31"}
    )  # before it joined
    assert r.status_code == 409
    r = await membership_client.post(
        url, json={"org_id": setup["school"], "seat_role": "member_unit", "start_on": "2022-01-01"}
    )
    assert r.status_code == 409 and r.json()["type"].endswith("seat-overlaps")
    r = await membership_client.post(
        url,
        json={
            "org_id": setup["firm"],
            "seat_role": "industry_support_unit",
            "start_on": "2021-05-01",
            "end_on": "2021-04-01",
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "end_on"]


async def test_seats_end_with_the_membership(membership_client, setup):
    url = f"/v1/committees/{setup['committee']}/seats"
    r = await membership_client.post(
        url, json={"org_id": setup["firm"], "seat_role": "industry_support_unit", "start_on": "2021-05-01"}
    )
    assert r.status_code == 201
    await move(membership_client, setup["m_firm"], "withdrawn", "2023-06-30")
    seats = {s["org_id"]: s for s in (await membership_client.get(url)).json()}
    assert seats[setup["firm"]]["end_on"] == "2023-06-30"
    assert seats[setup["school"]]["end_on"] is None
    held = (await membership_client.get(url, params={"as_of": "2023-07-01"})).json()
    assert [s["org_id"] for s in held] == [setup["school"]]
    held = (await membership_client.get(url, params={"as_of": "2023-06-30"})).json()
    assert {s["org_id"] for s in held} == {setup["school"], setup["firm"]}


async def test_positions_and_committee_directory(membership_client, setup):
    r = await membership_client.post("/v1/people", json={"name": "王建国", "org_id": setup["school"], "title": "教授"})
    assert r.status_code == 201, r.text
    person = r.json()["id"]
    url = f"/v1/committees/{setup['committee']}/positions"
    r = await membership_client.post(
        url, json={"person_id": person, "title": "秘书长", "start_on": "2021-03-18", "end_on": "2024-03-17"}
    )
    assert r.status_code == 201 and r.json()["person_name"] == "王建国"
    assert (
        await membership_client.post(
            url, json={"person_id": str(uuid.uuid4()), "title": "委员", "start_on": "2021-03-18"}
        )
    ).status_code == 422
    assert (await membership_client.get(url, params={"as_of": "2024-03-18"})).json() == []
    listed = (await membership_client.get("/v1/committees", params={"alliance_id": setup["alliance"]})).json()
    assert [c["body_type_label"] for c in listed["items"]] == ["专业指导委员会"]
    r = await membership_client.post(
        "/v1/committees",
        json={
            "alliance_id": setup["alliance"],
            "name": "工业机器人专业指导委员会",
            "body_type": "specialized_committee",
        },
    )
    assert r.status_code == 409
    r = await membership_client.patch(
        f"/v1/committees/{setup['committee']}", json={"description": "指导专业建设"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.json()["version"] == 2
