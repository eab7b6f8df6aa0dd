"""Committees as seed 002 runs them: seat rank apart from seat category, seats of outside and foreign units and of
bodies, 筹建 status, the planned composition against what fills it, expert groups and outside experts."""

from __future__ import annotations

import uuid

import pytest

from chanjiao.auth import ALL_SCOPES, Principal
from tests.conftest import token_headers
from tests.membership.test_alliances_api import apply, make_org, move


@pytest.fixture(scope="module")
async def w(membership_client):
    c = membership_client
    r = await c.post(
        "/v1/alliances",
        json={
            "name": f"技工院校高技能人才培养联盟{uuid.uuid4().hex[:4]}",
            "kind": "technical_education_alliance",
            "level": "national",
        },
    )
    assert r.status_code == 201, r.text
    a = r.json()["id"]
    w = {"alliance": a}
    for key, name, org_type in (
        ("school", "山东省城市服务技师学院", "technician_college"),
        ("deputy_school", "广东省粤东技师学院", "technician_college"),
        ("trainer", "山东鲁商华实教育科技有限公司", "training_company"),
        ("trainer2", "北京创联教育投资有限公司", "training_company"),
    ):
        w[key] = await make_org(c, name, org_type, "370602")
        await move(c, await apply(c, a, w[key], "2019-01-01"), "active", "2019-02-01")
    w["guopei"] = await make_org(c, "中国国家人事人才培训网", "other", "110000")  # not a member
    w["diako"] = await make_org(c, "德国 Diako 社会福利院", "other", "110000")  # a foreign unit, not a member
    for key, body in (
        ("standing", {"name": "常务理事会", "body_type": "standing_council"}),
        (
            "cuisine",
            {
                "name": "新餐饮技术领域校企合作一体化专业建设指导委员会",
                "body_type": "specialized_committee",
                "domain": "新餐饮",
                "established_on": "2019-11-22",
            },
        ),
    ):
        r = await c.post("/v1/committees", json={"alliance_id": a, **body})
        assert r.status_code == 201, r.text
        w[key] = r.json()["id"]
    return w


async def _seat(c, committee: str, expect: int = 201, **body):
    r = await c.post(f"/v1/committees/{committee}/seats", json={"start_on": "2020-01-01", **body})
    assert r.status_code == expect, r.text
    return r.json()


async def test_rank_and_category_are_counted_apart(membership_client, w):
    """seed 002「教育培训型企业（副主任单位）：山东鲁商华实教育科技有限公司」: the seat is a 副主任单位 and a
    教育培训型企业, and the composition counts it in both figures."""
    c, k = membership_client, w["cuisine"]
    s = await _seat(c, k, org_id=w["school"], rank="director_unit", category="school")
    assert (s["rank_label"], s["category_label"], s["seat_role"]) == ("主任单位", "技工院校", None)
    s = await _seat(c, k, org_id=w["deputy_school"], rank="deputy_director_unit", category="school")
    s = await _seat(c, k, org_id=w["trainer"], rank="deputy_director_unit", category="training_company")
    assert (s["rank_label"], s["category_label"]) == ("副主任单位", "教育培训型企业")
    assert s["holder_kind"] == "organization" and s["holder_name"].startswith("山东鲁商华实")
    comp = (await c.get(f"/v1/committees/{k}/composition", params={"as_of": "2021-06-30"})).json()
    rank = {x["key"]: x["filled"] for x in comp["by_rank"]}
    category = {x["key"]: x["filled"] for x in comp["by_category"]}
    assert rank["director_unit"] == 1 and rank["deputy_director_unit"] == 2
    assert category["training_company"] == 1 and category["school"] == 2
    assert comp["seats"] == 3 and "as_of" in comp["period_rule"]
    # The former single field still works: it becomes rank + category, and reads back where it maps.
    s = await _seat(c, k, org_id=w["trainer2"], seat_role="training_company_unit")
    assert (s["rank"], s["category"], s["seat_role"]) == ("member_unit", "training_company", "training_company_unit")
    r = await c.post(
        f"/v1/committees/{k}/seats",
        json={"org_id": w["trainer2"], "seat_role": "member_unit", "rank": "member_unit", "start_on": "2020-01-01"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "seat_role"]
    r = await c.post(f"/v1/committees/{k}/seats", json={"org_id": w["trainer2"], "start_on": "2020-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "rank"]


async def test_outside_and_foreign_units_hold_seats(membership_client, w):
    """seed 002「牵头单位（主任单位）：中国国家人事人才培训网（简称人社部国培网）」 and 「产业技术及就业支持企业：德国
    Diako 社会福利院」: units that are not members of the alliance hold seats when marked outside."""
    c = membership_client
    r = await c.post(
        "/v1/committees",
        json={
            "alliance_id": w["alliance"],
            "name": "网络培训服务平台开发应用指导委员会",
            "body_type": "specialized_committee",
        },
    )
    k = r.json()["id"]
    w["platform"] = k
    err = await _seat(c, k, 409, org_id=w["guopei"], rank="director_unit")
    assert err["type"].endswith("not-an-active-member") and "outside" in err["detail"]
    s = await _seat(c, k, org_id=w["guopei"], rank="director_unit", outside=True)
    assert s["outside"] is True and s["rank_label"] == "主任单位"
    # A member is not an outside unit.
    err = await _seat(c, k, 422, org_id=w["school"], rank="member_unit", outside=True)
    assert err["errors"][0]["loc"] == ["body", "outside"] and err["errors"][0]["type"] == "is_member"
    diako = await _seat(
        c, w["cuisine"], org_id=w["diako"], rank="member_unit", category="industry_support", outside=True
    )
    assert diako["category_label"] == "产业技术及就业支持企业"
    comp = (await c.get(f"/v1/committees/{k}/composition", params={"as_of": "2020-06-30"})).json()
    assert comp["outside_seats"] == 1
    # seed 002「应用推广试点单位：海南省技师学院…」 and 「项目技术支持单位」 are categories.
    s = await _seat(c, k, org_id=w["deputy_school"], rank="participant_unit", category="pilot_unit")
    assert (s["rank_label"], s["category_label"]) == ("参与单位", "应用推广试点单位")
    r = await c.post(
        f"/v1/committees/{k}/seats",
        json={"org_id": w["guopei"], "rank": "director_unit", "outside": True, "start_on": "2021-01-01"},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 409 and r.json()["type"].endswith("seat-overlaps")


async def test_a_body_holds_a_seat(membership_client, w):
    """seed 002「协助单位（副主任单位）：技工院校高技能人才培养联盟常务理事會」: the alliance's standing council holds a
    副主任单位 seat."""
    c, k = membership_client, w["platform"]
    s = await _seat(c, k, holder_committee_id=w["standing"], rank="deputy_director_unit")
    assert (s["holder_kind"], s["holder_id"], s["holder_name"]) == ("committee", w["standing"], "常务理事会")
    assert s["org_id"] is None and s["org_name"] is None
    err = await _seat(c, k, 422, holder_committee_id=k, rank="member_unit")  # not itself
    assert err["errors"][0]["loc"] == ["body", "holder_committee_id"]
    err = await _seat(c, k, 422, org_id=w["school"], holder_committee_id=w["standing"], rank="member_unit")
    assert err["errors"][0]["type"] == "one_holder"
    s = await _seat(c, k, holder_alliance_id=w["alliance"], rank="member_unit")
    assert s["holder_kind"] == "alliance"
    comp = (await c.get(f"/v1/committees/{k}/composition", params={"as_of": "2020-06-30"})).json()
    assert comp["body_seats"] == 1 and comp["seats"] == 4


async def test_preparing_active_dissolved(membership_client, w):
    """seed 002「拟筹建第一批…专指委」「成熟一个建立一个」: a committee is 筹建中 until it is formed, then 运行, and may
    be dissolved; its open seats end with it."""
    c, a = membership_client, w["alliance"]
    body = {"alliance_id": a, "name": "联盟院校3D打印技术领域专指委", "body_type": "specialized_committee"}
    r = await c.post("/v1/committees", json={**body, "status": "preparing", "established_on": "2020-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "established_on"]
    r = await c.post("/v1/committees", json={**body, "status": "preparing"})
    assert r.status_code == 201 and (r.json()["status"], r.json()["status_label"]) == ("preparing", "筹建中")
    k = r.json()["id"]
    await _seat(c, k, org_id=w["school"], rank="director_unit")
    r = await c.post(f"/v1/committees/{k}/transitions", json={"to": "dissolved", "effective_on": "2020-03-01"})
    assert r.status_code == 200 and r.json()["dissolved_on"] == "2020-03-01"  # a committee never formed
    r = await c.post(f"/v1/committees/{k}/transitions", json={"to": "active", "effective_on": "2020-04-01"})
    assert r.status_code == 409 and r.json()["type"].endswith("committee-status-move")
    seats = (await c.get(f"/v1/committees/{k}/seats")).json()
    assert [s["end_on"] for s in seats] == ["2020-03-01"]
    err = await _seat(c, k, 409, org_id=w["deputy_school"], rank="member_unit")
    assert err["type"].endswith("committee-dissolved")

    r = await c.post("/v1/committees", json={**body, "name": "联盟院校工业物联网专指委", "status": "preparing"})
    k = r.json()["id"]
    r = await c.post(f"/v1/committees/{k}/transitions", json={"to": "active", "effective_on": "2020-06-18"})
    assert (r.json()["status_label"], r.json()["established_on"]) == ("运行", "2020-06-18")
    listed = (await c.get(f"/v1/committees/{k}")).json()
    assert listed["status"] == "active" and listed["version"] == 2


async def test_planned_against_filled(membership_client, w):
    """seed 002「产教融合型企业 3 家，技工院校 82 所」/「技工院校 30—50 所」: the planned composition of a committee,
    line by line, against the seats held."""
    c, k = membership_client, w["cuisine"]
    plan = {
        "items": [
            {"rank": "director_unit", "planned_min": 1},
            {"rank": "deputy_director_unit", "category": "training_company", "planned_min": 1},
            {"category": "school", "planned_min": 30, "planned_max": 50, "note": "技工院校 30—50 所"},
            {"category": "integration_enterprise", "planned_min": 2, "planned_max": 3},
        ]
    }
    r = await c.put(f"/v1/committees/{k}/plan", json=plan)
    assert r.status_code == 200, r.text
    comp = (await c.get(f"/v1/committees/{k}/composition", params={"as_of": "2021-06-30"})).json()
    got = [
        (p["rank_label"], p["category_label"], p["planned_min"], p["planned_max"], p["filled"]) for p in comp["plan"]
    ]
    assert got == [
        ("主任单位", None, 1, None, 1),
        ("副主任单位", "教育培训型企业", 1, None, 1),
        (None, "技工院校", 30, 50, 2),
        (None, "产教融合型企业", 2, 3, 0),
    ]
    assert [p["met"] for p in comp["plan"]] == [True, True, False, False]
    r = await c.put(f"/v1/committees/{k}/plan", json={"items": [{"planned_min": 1}]})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "items", 0, "rank"]
    r = await c.put(
        f"/v1/committees/{k}/plan", json={"items": [{"category": "school", "planned_min": 5, "planned_max": 2}]}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "items", 0, "planned_max"]
    # The bad plans changed nothing.
    assert len((await c.get(f"/v1/committees/{k}/composition")).json()["plan"]) == 4


async def test_expert_group_with_outside_experts(membership_client, w):
    """seed 002「各专指委设专家组」 and 「聘请全国著名职业教育和技工教育专家…共同组成专家指导组」: an expert group
    inside a committee, whose members are people of members and outside experts of the alliance's pool."""
    c, a = membership_client, w["alliance"]
    r = await c.post(
        f"/v1/alliances/{a}/outside-experts",
        json={
            "name": "李振华",
            "affiliation": "天津职业技术师范大学",
            "title": "教授",
            "field": "一体化课程",
            "engaged_on": "2020-01-10",
        },
    )
    assert r.status_code == 201, r.text
    expert = r.json()["id"]
    r = await c.post(
        "/v1/committees",
        json={"alliance_id": a, "name": "新餐饮专家组", "body_type": "expert_group", "parent_id": w["cuisine"]},
    )
    assert r.status_code == 201 and r.json()["parent_id"] == w["cuisine"] and r.json()["body_type_label"] == "专家组"
    group = r.json()["id"]
    r = await c.post(
        f"/v1/committees/{group}/positions", json={"expert_id": expert, "title": "组长", "start_on": "2020-02-01"}
    )
    assert r.status_code == 201 and (r.json()["person_name"], r.json()["expert_id"]) == ("李振华", expert)
    r = await c.post("/v1/people", json={"name": "张明远", "org_id": w["school"], "title": "高级技师"})
    r = await c.post(
        f"/v1/committees/{group}/positions",
        json={"person_id": r.json()["id"], "title": "成员", "start_on": "2020-02-01"},
    )
    assert r.status_code == 201
    positions = (await c.get(f"/v1/committees/{group}/positions", params={"as_of": "2020-06-01"})).json()
    assert sorted(p["person_name"] for p in positions) == ["张明远", "李振华"]
    comp = (await c.get(f"/v1/committees/{group}/composition", params={"as_of": "2020-06-01"})).json()
    assert (comp["positions"], comp["outside_expert_positions"]) == (2, 1)
    # Another alliance's outside expert is no one here; a position has exactly one holder.
    r = await c.post(
        "/v1/alliances",
        json={"name": f"别的联盟{uuid.uuid4().hex[:4]}", "kind": "technical_education_alliance", "level": "municipal"},
    )
    other = (await c.post(f"/v1/alliances/{r.json()['id']}/outside-experts", json={"name": "外人甲"})).json()["id"]
    r = await c.post(
        f"/v1/committees/{group}/positions", json={"expert_id": other, "title": "成员", "start_on": "2020-02-01"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "expert_id"]
    r = await c.post(f"/v1/committees/{group}/positions", json={"title": "成员", "start_on": "2020-02-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "one_holder"
    # A parent that is no body of the alliance is refused.
    r = await c.post(
        "/v1/committees",
        json={"alliance_id": a, "name": "错挂专家组", "body_type": "expert_group", "parent_id": str(uuid.uuid4())},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "parent_id"]


async def test_outside_experts_pool(membership_client, w):
    """seed 002「聘请全国著名职业教育和技工教育专家、技工教育和职业培训教材专家、产教融合企业专家」: the pool's outside
    experts, engaged and ended by date, read by the alliance's members and not by outsiders."""
    c, a = membership_client, w["alliance"]
    r = await c.post(
        f"/v1/alliances/{a}/outside-experts",
        json={
            "name": "王海涛",
            "affiliation": "某教材出版社",
            "field": "技工教育教材",
            "engaged_on": "2020-01-01",
            "ended_on": "2021-12-31",
        },
    )
    assert r.status_code == 201
    ended = r.json()
    r = await c.post(
        f"/v1/alliances/{a}/outside-experts", json={"name": "赵", "engaged_on": "2022-01-01", "ended_on": "2021-01-01"}
    )
    assert r.status_code == 422 and {e["loc"][-1] for e in r.json()["errors"]} >= {"name", "ended_on"}
    names = [
        e["name"] for e in (await c.get(f"/v1/alliances/{a}/outside-experts", params={"as_of": "2022-06-01"})).json()
    ]
    assert "王海涛" not in names and "李振华" in names
    names = [
        e["name"] for e in (await c.get(f"/v1/alliances/{a}/outside-experts", params={"as_of": "2021-06-01"})).json()
    ]
    assert {"王海涛", "李振华"} <= set(names)
    member = token_headers(
        Principal(kind="user", subject=str(uuid.uuid4()), org_id=w["school"], roles=("org_staff",), scopes=ALL_SCOPES)
    )
    outsider = token_headers(
        Principal(kind="user", subject=str(uuid.uuid4()), org_id=w["guopei"], roles=("org_staff",), scopes=ALL_SCOPES)
    )
    assert (await c.get(f"/v1/alliances/{a}/outside-experts", headers=member)).status_code == 200
    r = await c.get(f"/v1/alliances/{a}/outside-experts/{ended['id']}", headers=outsider)
    assert r.status_code == 404
    r = await c.patch(
        f"/v1/alliances/{a}/outside-experts/{ended['id']}", json={"title": "编审"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    r = await c.patch(f"/v1/alliances/{a}/outside-experts/{ended['id']}", json={"ended_on": "2019-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "ended_on"]
    assert (await c.get(f"/v1/alliances/{a}/outside-experts/{ended['id']}")).json()["ended_on"] == "2021-12-31"
    assert (await c.delete(f"/v1/alliances/{a}/outside-experts/{ended['id']}")).status_code == 204
    assert (await c.get(f"/v1/alliances/{a}/outside-experts/{ended['id']}")).status_code == 404


async def test_units_apply_and_the_alliance_decides(membership_client, w):
    """seed 002「技工院校和企业自愿选择申报联盟专指委」: a unit applies for a seat; the alliance's admins accept (the
    seat is given — an outside seat for a non-member) or decline."""
    c = membership_client
    r = await c.post(
        "/v1/committees",
        json={"alliance_id": w["alliance"], "name": "联盟院校影视制作专指委", "body_type": "specialized_committee"},
    )
    k = r.json()["id"]
    school_admin = token_headers(
        Principal(
            kind="user", subject=str(uuid.uuid4()), org_id=w["deputy_school"], roles=("org_admin",), scopes=ALL_SCOPES
        )
    )
    url = f"/v1/committees/{k}/applications"
    body = {"org_id": w["deputy_school"], "rank": "member_unit", "category": "school", "note": "自愿申报"}
    r = await c.post(url, json=body, headers=school_admin)
    assert r.status_code == 201 and r.json()["status_label"] == "已申报", r.text
    mine = r.json()["id"]
    r = await c.post(url, json=body, headers=school_admin)
    assert r.status_code == 409 and r.json()["type"].endswith("committee-application-pending")
    r = await c.post(url, json={**body, "org_id": w["school"]}, headers=school_admin)  # not its own organization
    assert r.status_code == 403
    r = await c.post(url, json={"org_id": w["diako"], "category": "industry_support"})  # the alliance, on its behalf
    foreign = r.json()["id"]
    r = await c.post(url, json={"org_id": w["trainer"], "rank": "deputy_director_unit"})
    declined = r.json()["id"]
    assert [a["id"] for a in (await c.get(url, headers=school_admin)).json()] == [mine]
    assert len((await c.get(url)).json()) == 3

    r = await c.post(f"{url}/{mine}/decision", json={"to": "accepted", "start_on": "2020-01-01"})
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["seat_id"]
    r = await c.post(f"{url}/{mine}/decision", json={"to": "declined"})
    assert r.status_code == 409 and r.json()["type"].endswith("committee-application-decided")
    r = await c.post(f"{url}/{foreign}/decision", json={"to": "accepted", "start_on": "2020-01-01"})
    assert r.status_code == 200
    r = await c.post(f"{url}/{declined}/decision", json={"to": "declined", "reason": "名额已满"})
    assert (r.json()["status_label"], r.json()["seat_id"]) == ("未接受", None)
    seats = {s["org_id"]: s for s in (await c.get(f"/v1/committees/{k}/seats")).json()}
    assert set(seats) == {w["deputy_school"], w["diako"]}
    assert (seats[w["deputy_school"]]["outside"], seats[w["diako"]]["outside"]) == (False, True)
    assert seats[w["deputy_school"]]["category_label"] == "技工院校"
