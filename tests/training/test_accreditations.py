"""`/v1/accreditations`, `/v1/pilot-registrations` and `/v1/training-stats/accreditations`: who may appraise and test,
and the checks appraisal batches and issued 1+X certificates make against the register."""

import uuid

import pytest

from services.training.accreditations import models as register
from services.training.certificates import rules
from tests.training.appraisal_support import APPRAISALS, batch, candidate, learners, number
from tests.training.practice_support import sql

STATION = {
    "kind": "appraisal_station",
    "name": "省冶金职业技能鉴定站",
    "granting_body": "山东省人力资源和社会保障厅",
    "certificate_number": "鲁人社鉴字〔2019〕12号",
    "valid_from": "2019-07-01",
    "valid_until": "2029-06-30",
    "occupations": [
        {"code": "6-25-01-02", "name": "炼钢工", "levels": ["四级/中级工", "三级/高级工"]},
        {"name": "轧钢工", "levels": []},
    ],
}


@pytest.fixture(scope="module")
async def world(tp):
    steel = await tp.new_org("enterprise", name=f"莱钢培训{uuid.uuid4().hex[:4]}")
    school = await tp.new_org("higher_vocational")
    unregistered = await tp.new_org("higher_vocational")
    other = await tp.new_org("enterprise")
    alliance = await tp.new_alliance()
    for org in (steel, school):
        await tp.join(org, alliance, "2019-01-01")
    return {"steel": steel, "school": school, "unregistered": unregistered, "other": other, "alliance": alliance}


async def _station(tp, world) -> str:
    """The steel enterprise's station (recorded once for the module)."""
    if "station" not in world:
        r = await tp.as_org(world["steel"], "org_staff").post(
            "/v1/accreditations", json={**STATION, "org_id": world["steel"]}
        )
        assert r.status_code == 201, r.text
        world["station"] = r.json()["id"]
    return world["station"]


def test_the_register_names_the_levels_of_the_certificate_kinds():
    assert register.SKILL_LEVELS == rules.SKILL_LEVELS and register.LEVELS_1X == rules.LEVELS_1X


async def test_a_station_is_recorded_by_its_organization_and_read_by_everyone(tp, world):
    """seed 000「省冶金职业技能鉴定站」: an enterprise's training centre holds a provincial appraisal station for its
    trades, with the granting body, the certificate number, the validity and the levels."""
    steel = tp.as_org(world["steel"], "org_staff")
    got = (await steel.get(f"/v1/accreditations/{await _station(tp, world)}")).json()
    assert (got["kind_label"], got["name"], got["valid_until"]) == (
        "职业技能鉴定站",
        "省冶金职业技能鉴定站",
        "2029-06-30",
    )
    # a public directory: another organization reads it, but may not write it
    other = tp.as_org(world["other"])
    assert (await other.get(f"/v1/accreditations/{got['id']}")).status_code == 200
    listed = await other.get("/v1/accreditations", params={"occupation": "炼钢工", "valid_on": "2024-06-01"})
    assert got["id"] in {i["id"] for i in listed.json()["items"]}
    listed = await other.get("/v1/accreditations", params={"org_id": world["steel"], "valid_on": "2030-01-01"})
    assert listed.json()["items"] == []
    assert (await other.post("/v1/accreditations", json={**STATION, "org_id": world["steel"]})).status_code == 403
    assert (await other.patch(f"/v1/accreditations/{got['id']}", json={"name": "x"})).status_code == 403
    # levels of the kind, validity in order
    bad = {**STATION, "org_id": world["steel"], "valid_until": "2018-01-01"}
    bad["occupations"] = [{"name": "炼钢工", "levels": ["中级"]}]
    r = await steel.post("/v1/accreditations", json=bad, headers={"Accept-Language": "en"})
    assert r.status_code == 422, r.text
    assert {(tuple(e["loc"]), e["type"]) for e in r.json()["errors"]} == {
        (("body", "valid_until"), "validity"),
        (("body", "occupations", 0, "levels"), "level"),
    }


async def test_an_appraisal_batch_needs_an_accreditation_for_the_occupation_and_level_on_its_day(tp, world, database):
    """seed 000「省冶金职业技能鉴定站」: once an organization keeps the register, a batch of an occupation or level it
    is not accredited for on the batch's day is refused naming the field and the rule; organizations without an
    entry (records from before the register) are not."""
    await _station(tp, world)
    steel = tp.as_org(world["steel"], "org_staff")
    people = await learners(tp, world["steel"], "炉前工甲", "炉前工乙")
    ok = batch(world["steel"], [candidate(people[0], "pass")], occupation_name="炼钢工", occupation_code="6-25-01-02")
    cases = [
        ({"appraised_on": "2019-06-30"}, ["body", "appraised_on"], "accreditation_valid"),
        (
            {"occupation_code": "6-31-01-10", "occupation_name": "工业机器人系统运维员"},
            ["body", "occupation_code"],
            "accredited_occupation",
        ),
        ({"level": "一级/高级技师"}, ["body", "level"], "accredited_level"),
        ({"certificate_kind": "skill_level_1x", "level": "中级"}, ["body", "appraised_on"], "accreditation_valid"),
    ]
    before = await sql(
        database, "select count(*) from training.appraisals where org_id = $1", uuid.UUID(world["steel"])
    )
    for change, loc, rule in cases:
        r = await steel.post(APPRAISALS, json={**ok, **change})
        assert r.status_code == 422, (change, r.text)
        assert [(e["loc"], e["type"]) for e in r.json()["errors"]] == [(loc, rule)]
    after = await sql(database, "select count(*) from training.appraisals where org_id = $1", uuid.UUID(world["steel"]))
    assert after == before
    r = await steel.post(APPRAISALS, json=ok)
    assert r.status_code == 201, r.text
    # any level of an occupation listed without levels; by name when the batch gives no code
    r = await steel.post(
        APPRAISALS,
        json=batch(
            world["steel"],
            [candidate(people[1], "fail")],
            occupation_name="轧钢工",
            occupation_code=None,
            level="二级/技师",
        ),
    )
    assert r.status_code == 201, r.text
    # an organization that keeps no register: unchanged
    plain = await tp.new_org("enterprise")
    [someone] = await learners(tp, plain, "普通考生")
    r = await tp.as_org(plain).post(APPRAISALS, json=batch(plain, [candidate(someone, "pass")]))
    assert r.status_code == 201, r.text


async def test_a_1x_certificate_needs_the_schools_pilot_registration(tp, world):
    """seed 000「获得教育部 1+X 试点证书备案 30 个」: a school's 30 registrations are counted, and a 1+X certificate it
    issues names one of them (made on or before the day of issue)."""
    await _station(tp, world)
    school = tp.as_org(world["school"])
    for i in range(30):
        body = {
            "school_org_id": world["school"],
            "certificate_name": f"1+X 试点证书 {i:02d}" if i else "工业机器人操作与运维",
            "batch": 1 + i % 4,
            "registered_on": "2019-06-20" if i < 20 else "2020-12-01",
            "levels": ["初级", "中级", "高级"] if i else ["中级", "高级"],
        }
        r = await school.post("/v1/pilot-registrations", json=body)
        assert r.status_code == 201, r.text
    # the same certificate again, written with other spacing: 409
    r = await school.post(
        "/v1/pilot-registrations",
        json={
            "school_org_id": world["school"],
            "certificate_name": "工业机器人 操作与运维",
            "registered_on": "2021-01-01",
        },
    )
    assert r.status_code == 409 and r.json()["errors"][0]["loc"] == ["body", "certificate_name"]
    [holder] = await learners(tp, world["school"], "一加艾克斯")

    def cert(**over):
        return {
            "kind": "skill_level_1x",
            "number": number(),
            "learner_id": holder,
            "issuer_org_id": world["school"],
            "occupation_name": "工业机器人操作与运维",
            "level": "中级",
            "issued_on": "2021-06-30",
            **over,
        }

    assert (await school.post("/v1/certificates", json=cert())).status_code == 201
    for over in ({"occupation_name": "网店运营推广"}, {"level": "初级"}, {"issued_on": "2019-06-19"}):
        r = await school.post("/v1/certificates", json=cert(**over))
        assert r.status_code == 422, (over, r.text)
        assert r.json()["errors"][0]["loc"] == ["body", "occupation_name"]
        assert r.json()["errors"][0]["type"] == "pilot_registration"
    # a 1+X appraisal batch of the school names a registered certificate too
    r = await school.post(
        APPRAISALS,
        json=batch(
            world["school"],
            [candidate(holder, "fail")],
            certificate_kind="skill_level_1x",
            occupation_name="网店运营推广",
            occupation_code=None,
            level="中级",
        ),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "pilot_registration"
    # a school without registrations issues as before
    plain = world["unregistered"]
    [other_holder] = await learners(tp, plain, "历史证书")
    r = await tp.as_org(plain).post("/v1/certificates", json=cert(learner_id=other_holder, issuer_org_id=plain))
    assert r.status_code == 201, r.text
    # the figures: 30 registered by the end of 2021, 10 of them new in 2020
    r = await tp.as_alliance(world["alliance"]).get(
        "/v1/training-stats/accreditations",
        params={"alliance_id": world["alliance"], "period_start": "2020-01-01", "period_end": "2021-12-31"},
    )
    assert r.status_code == 200, r.text
    f = r.json()
    assert (f["pilot_registrations"], f["pilot_registrations_new"], f["pilot_schools"]) == (30, 10, 1)
    assert f["accreditations_held"] == 1 and f["accreditations_by_kind"]["appraisal_station"] == 1
    assert "period_end" in f["rules"]["pilot_registrations"]
    r = await school.get(
        "/v1/training-stats/accreditations",
        params={"org_id": world["school"], "period_start": "2019-01-01", "period_end": "2019-12-31"},
    )
    assert r.json()["pilot_registrations"] == 20 and r.json()["accreditations_held"] == 0
    assert (
        await tp.as_org(world["other"]).get(
            "/v1/training-stats/accreditations",
            params={"org_id": world["school"], "period_start": "2019-01-01", "period_end": "2019-12-31"},
        )
    ).status_code == 403


async def test_the_strict_setting_holds_every_organization_to_the_register(tp, world, monkeypatch):
    settings = tp.platform.upstreams["training"].app.state.settings
    monkeypatch.setattr(settings, "accreditation_strict", True)
    plain = await tp.new_org("enterprise")
    [someone] = await learners(tp, plain, "严格考生")
    r = await tp.as_org(plain).post(APPRAISALS, json=batch(plain, [candidate(someone, "pass")]))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "accreditation_valid"
