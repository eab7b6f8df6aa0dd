"""Alliances and memberships: lifecycle rules, and structure/changes/members as of any date, on a
history of joins, suspensions, role changes, rejections, exits and a re-join across several years."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

pytestmark = pytest.mark.smoke


async def make_org(client, name: str, org_type: str, region: str) -> str:
    r = await client.post(
        "/v1/organizations", json={"name": f"{name}{uuid.uuid4().hex[:4]}", "org_type": org_type, "region_code": region}
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def apply(client, alliance: str, org: str, applied_on: str, role: str = "member") -> str:
    r = await client.post(
        "/v1/memberships", json={"org_id": org, "alliance_id": alliance, "role": role, "applied_on": applied_on}
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def move(client, membership: str, to: str, on: str, role: str | None = None, expect: int = 200):
    body = {"to": to, "effective_on": on, "reason": "测试"}
    if role:
        body["role"] = role
    r = await client.post(f"/v1/memberships/{membership}/transitions", json=body)
    assert r.status_code == expect, r.text
    return r.json()


@pytest.fixture(scope="module")
async def history(membership_client):
    c = membership_client
    r = await c.post(
        "/v1/alliances",
        json={
            "name": f"山东化工职业教育集团{uuid.uuid4().hex[:4]}",
            "kind": "vocational_education_group",
            "level": "provincial",
            "founded_on": "2009-06-18",
            "region_code": "370700",
            "industry_focus": ["化工"],
            "recognitions": [
                {"title": "全国示范性职业教育集团", "level": "national", "year": 2021, "issuer": "教育部"}
            ],
        },
    )
    assert r.status_code == 201, r.text
    a = r.json()["id"]
    o = {
        "G": await make_org(c, "潍坊市教育局", "government", "370700"),
        "H1": await make_org(c, "山东化工职业学院", "higher_vocational", "370702"),
        "H2": await make_org(c, "潍坊职业学院", "higher_vocational", "370705"),
        "E1": await make_org(c, "潍坊石化公司", "enterprise", "370702"),
        "E2": await make_org(c, "寿光化工公司", "enterprise", "370783"),
        "E3": await make_org(c, "南京化工公司", "enterprise", "320106"),
        "S1": await make_org(c, "潍坊化工学校", "secondary_vocational", "370705"),
    }
    m = {}
    m["G"] = await apply(c, a, o["G"], "2018-01-05")
    await move(c, m["G"], "active", "2018-02-01")
    m["H1"] = await apply(c, a, o["H1"], "2018-01-05", "chair")
    await move(c, m["H1"], "active", "2018-02-01")
    m["E1"] = await apply(c, a, o["E1"], "2019-03-01", "director")
    await move(c, m["E1"], "active", "2019-04-15")
    await move(c, m["E1"], "suspended", "2020-06-01")
    await move(c, m["E1"], "active", "2021-01-10")
    await move(c, m["E1"], "withdrawn", "2022-05-20")
    m["E2"] = await apply(c, a, o["E2"], "2020-01-01")
    await move(c, m["E2"], "rejected", "2020-02-01")
    m["H2"] = await apply(c, a, o["H2"], "2019-05-01", "vice_chair")
    await move(c, m["H2"], "active", "2019-06-01")
    m["E3"] = await apply(c, a, o["E3"], "2021-03-01")
    await move(c, m["E3"], "active", "2021-03-15")
    await move(c, m["E3"], "expelled", "2023-06-30")
    m["S1"] = await apply(c, a, o["S1"], "2022-09-01")
    await move(c, m["S1"], "active", "2022-10-01")
    r = await c.post(
        f"/v1/alliances/{a}/role-changes",
        json={
            "effective_on": "2023-01-08",
            "reason": "换届",
            "changes": [{"membership_id": m["H2"], "role": "chair"}, {"membership_id": m["H1"], "role": "vice_chair"}],
        },
    )
    assert r.status_code == 200, r.text
    m["E1b"] = await apply(c, a, o["E1"], "2024-01-01", "member")  # a re-join is a new period
    await move(c, m["E1b"], "active", "2024-02-01")
    return {"alliance": a, "orgs": o, "memberships": m}


def counts(items: list[dict]) -> dict[str, int]:
    return {i["key"]: i["count"] for i in items}


@pytest.mark.parametrize(
    "as_of,total,types,roles",
    [
        ("2017-12-31", 0, {}, {}),
        ("2018-02-01", 2, {"government": 1, "higher_vocational": 1}, {"chair": 1, "member": 1}),
        (
            "2019-12-31",
            4,
            {"government": 1, "higher_vocational": 2, "enterprise": 1},
            {"chair": 1, "vice_chair": 1, "director": 1, "member": 1},
        ),
        (
            "2020-07-01",
            4,
            {"government": 1, "higher_vocational": 2, "enterprise": 1},  # suspended members count
            {"chair": 1, "vice_chair": 1, "director": 1, "member": 1},
        ),
        (
            "2022-12-31",
            5,
            {"government": 1, "higher_vocational": 2, "enterprise": 1, "secondary_vocational": 1},
            {"chair": 1, "vice_chair": 1, "member": 3},
        ),
        (
            "2023-12-31",
            4,
            {"government": 1, "higher_vocational": 2, "secondary_vocational": 1},
            {"chair": 1, "vice_chair": 1, "member": 2},
        ),
        (
            "2024-02-01",
            5,
            {"government": 1, "higher_vocational": 2, "secondary_vocational": 1, "enterprise": 1},
            {"chair": 1, "vice_chair": 1, "member": 3},
        ),
    ],
)
async def test_structure_as_of(membership_client, history, as_of, total, types, roles):
    r = await membership_client.get(f"/v1/alliances/{history['alliance']}/structure", params={"as_of": as_of})
    assert r.status_code == 200 and r.headers["server-timing"].startswith("app;dur=")
    s = r.json()
    assert s["total"] == total and counts(s["by_org_type"]) == types and counts(s["by_role"]) == roles


async def test_coverage_is_derived_from_region_codes(membership_client, history):
    s = (
        await membership_client.get(f"/v1/alliances/{history['alliance']}/structure", params={"as_of": "2022-12-31"})
    ).json()
    assert {p["label"]: p["count"] for p in s["provinces"]} == {"山东省": 4, "江苏省": 1}
    assert {c["label"]: c["count"] for c in s["cities"]} == {"潍坊市": 4, "南京市": 1}
    assert s["by_org_type"][0] == {"key": "government", "label": "政府部门", "count": 1}


async def test_changes_in_a_period(membership_client, history):
    m = history["memberships"]
    url = f"/v1/alliances/{history['alliance']}/changes"
    y2022 = (await membership_client.get(url, params={"period_start": "2022-01-01", "period_end": "2022-12-31"})).json()
    assert [i["membership_id"] for i in y2022["joined"]] == [m["S1"]]
    assert [i["membership_id"] for i in y2022["exited"]] == [m["E1"]] and y2022["role_changed"] == []
    y2023 = (await membership_client.get(url, params={"period_start": "2023-01-01", "period_end": "2023-12-31"})).json()
    assert y2023["joined"] == [] and [i["membership_id"] for i in y2023["exited"]] == [m["E3"]]
    assert {(i["membership_id"], i["from_role"], i["role"]) for i in y2023["role_changed"]} == {
        (m["H1"], "chair", "vice_chair"),
        (m["H2"], "vice_chair", "chair"),
    }
    # bounds are inclusive; a rejection is not an exit and a reactivation is not a join
    day = (await membership_client.get(url, params={"period_start": "2022-05-20", "period_end": "2022-05-20"})).json()
    assert len(day["exited"]) == 1
    y2020 = (await membership_client.get(url, params={"period_start": "2020-01-01", "period_end": "2021-12-31"})).json()
    assert {i["membership_id"] for i in y2020["joined"]} == {m["E3"]} and y2020["exited"] == []
    bad = await membership_client.get(url, params={"period_start": "2023-01-01", "period_end": "2022-01-01"})
    assert bad.status_code == 422


async def test_members_as_of_with_filters(membership_client, history):
    m, o = history["memberships"], history["orgs"]
    url = f"/v1/alliances/{history['alliance']}/members"
    chair_2022 = (await membership_client.get(url, params={"as_of": "2022-12-31", "role": "chair"})).json()
    assert [i["org_id"] for i in chair_2022["items"]] == [o["H1"]]
    chair_2023 = (await membership_client.get(url, params={"as_of": "2023-01-08", "role": "chair"})).json()
    assert [i["org_id"] for i in chair_2023["items"]] == [o["H2"]]
    suspended = (await membership_client.get(url, params={"as_of": "2020-07-01", "org_type": "enterprise"})).json()
    assert [(i["membership_id"], i["status"]) for i in suspended["items"]] == [(m["E1"], "suspended")]
    seen, cursor = [], None
    while True:
        page = (
            await membership_client.get(
                url, params={"as_of": "2022-12-31", "limit": 2, **({"cursor": cursor} if cursor else {})}
            )
        ).json()
        seen += [i["membership_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5


async def test_lifecycle_rules(membership_client, history):
    m, o, a = history["memberships"], history["orgs"], history["alliance"]
    r = await membership_client.post(
        f"/v1/memberships/{m['E2']}/transitions", json={"to": "active", "effective_on": "2021-01-01"}
    )
    assert r.status_code == 409 and r.json()["allowed"] == []  # rejected is final
    fresh = await apply(
        membership_client, a, await make_org(membership_client, "新单位", "other", "370100"), "2024-03-01"
    )
    r = await membership_client.post(
        f"/v1/memberships/{fresh}/transitions",
        json={"to": "suspended", "effective_on": "2024-03-02"},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 409 and r.json()["allowed"] == ["active", "rejected", "withdrawn"]
    assert "allowed: active, rejected, withdrawn" in r.json()["detail"]
    r = await membership_client.post(
        f"/v1/memberships/{fresh}/transitions", json={"to": "active", "effective_on": "2024-02-28"}
    )
    assert r.status_code == 409 and r.json()["latest_effective_on"] == "2024-03-01"  # before the latest event
    r = await membership_client.post(
        f"/v1/memberships/{fresh}/transitions", json={"to": "active", "effective_on": "2099-01-01"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "not_in_future"
    # one open membership per org and alliance
    r = await membership_client.post("/v1/memberships", json={"org_id": o["S1"], "alliance_id": a})
    assert r.status_code == 409 and r.json()["existing_id"] == m["S1"]
    # one chair at a time
    r = await membership_client.post(
        f"/v1/memberships/{m['S1']}/transitions", json={"to": "active", "role": "chair", "effective_on": "2024-05-01"}
    )
    assert r.status_code == 409 and r.json()["chair_membership_id"] == m["H2"]
    # a role change without a change is refused
    r = await membership_client.post(
        f"/v1/memberships/{m['S1']}/transitions", json={"to": "active", "effective_on": "2024-05-01"}
    )
    assert r.status_code == 409


async def test_role_changes_are_all_or_nothing(membership_client, history):
    m, a = history["memberships"], history["alliance"]
    before = (await membership_client.get(f"/v1/memberships/{m['S1']}")).json()
    r = await membership_client.post(
        f"/v1/alliances/{a}/role-changes",
        json={
            "effective_on": "2024-06-01",
            "changes": [{"membership_id": m["S1"], "role": "director"}, {"membership_id": m["E2"], "role": "director"}],
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "changes", 1, "membership_id"]
    after = (await membership_client.get(f"/v1/memberships/{m['S1']}")).json()
    assert after["role"] == before["role"] and after["version"] == before["version"]


async def test_membership_reads_expose_derived_dates_and_events(membership_client, history):
    m = history["memberships"]
    e1 = (await membership_client.get(f"/v1/memberships/{m['E1']}")).json()
    assert e1["joined_on"] == "2019-04-15" and e1["ended_on"] == "2022-05-20" and e1["status"] == "withdrawn"
    assert [(e["from"], e["to"], e["effective_on"]) for e in e1["events"]] == [
        (None, "pending", "2019-03-01"),
        ("pending", "active", "2019-04-15"),
        ("active", "suspended", "2020-06-01"),
        ("suspended", "active", "2021-01-10"),
        ("active", "withdrawn", "2022-05-20"),
    ]
    assert e1["allowed_transitions"] == []
    e2 = (await membership_client.get(f"/v1/memberships/{m['E2']}")).json()
    assert e2["joined_on"] is None and e2["ended_on"] == "2020-02-01"


async def test_list_active_between(membership_client, history):
    m, a = history["memberships"], history["alliance"]
    r = await membership_client.get(
        "/v1/memberships", params={"alliance_id": a, "active_between": "2020-01-01,2020-12-31"}
    )
    assert {i["id"] for i in r.json()["items"]} == {m["G"], m["H1"], m["E1"], m["H2"]}
    r = await membership_client.get("/v1/memberships", params={"alliance_id": a, "status": "active", "role": "chair"})
    assert [i["id"] for i in r.json()["items"]] == [m["H2"]]
    for bad in ("2020-01-01", "2020-12-31,2020-01-01", "x,y"):
        assert (await membership_client.get("/v1/memberships", params={"active_between": bad})).status_code == 422


async def test_events_and_audit_rows_are_written(membership_client, history, database):
    m = history["memberships"]
    conn = await asyncpg.connect(database.admin_url)
    try:
        events = await conn.fetch(
            "select type, seq from membership.outbox where aggregate_id=$1 order by seq", uuid.UUID(m["E1"])
        )
        audits = await conn.fetchval("select count(*) from membership.audit_log where entity_id=$1", uuid.UUID(m["E1"]))
    finally:
        await conn.close()
    assert [e["type"] for e in events] == ["membership.created"] + ["membership.transitioned"] * 4
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5] and audits == 5


async def test_alliance_directory_and_validation(membership_client, history):
    a = history["alliance"]
    r = await membership_client.get(f"/v1/alliances/{a}")
    assert r.status_code == 200 and r.json()["kind_label"] == "职业教育集团" and r.headers["etag"] == '"1"'
    listed = await membership_client.get(
        "/v1/alliances", params={"kind": "vocational_education_group", "q": "化工职业教育"}
    )
    assert a in [i["id"] for i in listed.json()["items"]]
    r = await membership_client.post("/v1/alliances", json={"name": "某联盟", "kind": "guild", "level": "provincial"})
    assert r.status_code == 422 and "vocational_education_group" in r.json()["errors"][0]["msg"]
    r = await membership_client.patch(
        f"/v1/alliances/{a}", json={"charter": "第一章 总则"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    assert (
        await membership_client.patch(f"/v1/alliances/{a}", json={"charter": "x"}, headers={"If-Match": '"1"'})
    ).status_code == 412
    r = await membership_client.post("/v1/memberships", json={"org_id": str(uuid.uuid4()), "alliance_id": a})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "org_id"]


async def test_the_exit_day_is_not_a_member_day(membership_client, history):
    m, a = history["memberships"], history["alliance"]
    for period, expected in (("2022-05-20,2022-12-31", False), ("2022-05-19,2022-12-31", True)):
        r = await membership_client.get("/v1/memberships", params={"alliance_id": a, "active_between": period})
        assert (m["E1"] in {i["id"] for i in r.json()["items"]}) is expected, period
    day = await membership_client.get(f"/v1/alliances/{a}/members", params={"as_of": "2022-05-20"})
    assert m["E1"] not in {i["membership_id"] for i in day.json()["items"]}


async def test_expert_pool_follows_membership(membership_client, history):
    o, a = history["orgs"], history["alliance"]
    expert = await membership_client.post("/v1/people", json={"name": "李专家", "org_id": o["H2"], "tags": ["expert"]})
    teacher = await membership_client.post(
        "/v1/people", json={"name": "张老师", "org_id": o["H2"], "tags": ["dual_qualified"]}
    )
    gone = await membership_client.post("/v1/people", json={"name": "赵工程师", "org_id": o["E1"], "tags": ["expert"]})
    assert expert.status_code == teacher.status_code == gone.status_code == 201
    pool = (await membership_client.get(f"/v1/alliances/{a}/experts", params={"as_of": "2023-01-01"})).json()
    assert [p["name"] for p in pool["items"]] == ["李专家"] and pool["items"][0]["org_name"].startswith("潍坊职业学院")
    pool = (await membership_client.get(f"/v1/alliances/{a}/experts", params={"as_of": "2021-06-01"})).json()
    assert {p["name"] for p in pool["items"]} == {"李专家", "赵工程师"}  # E1 was still a member then
    pool = (
        await membership_client.get(
            f"/v1/alliances/{a}/experts", params={"as_of": "2023-01-01", "tag": "dual_qualified"}
        )
    ).json()
    assert [p["name"] for p in pool["items"]] == ["张老师"]
