"""`/v1/apprenticeships` and `/v1/training-stats/apprenticeships`: an apprentice of a 现代学徒制 class with a school
mentor and an enterprise mentor (membership people, asked of the real membership service), the 招工 date and the
contract; who writes and who reads; the figures with their period rules."""

import uuid

import pytest

from tests.training.practice_support import new_learner, new_person, sql


async def _programme(tp, org: str, kind: str, partners: list[str]) -> str:
    r = await tp.as_org(org).post(
        "/v1/programmes",
        json={
            "name": f"现代学徒制班{uuid.uuid4().hex[:4]}",
            "kind": kind,
            "provider_org_id": org,
            "partner_org_ids": partners,
            "start_on": "2024-09-01",
            "end_on": "2027-06-30",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture(scope="module")
async def world(tp, database):
    school = await tp.new_org("higher_vocational")
    enterprise = await tp.new_org("enterprise")
    stranger = await tp.new_org("enterprise")
    alliance = await tp.new_alliance()
    other_alliance = await tp.new_alliance()
    for org in (school, enterprise):
        await tp.join(org, alliance, "2023-01-01")
    return {
        "school": school,
        "enterprise": enterprise,
        "stranger": stranger,
        "alliance": alliance,
        "other_alliance": other_alliance,
        "class": await _programme(tp, school, "modern_apprenticeship", [enterprise]),
        "order_class": await _programme(tp, school, "order_class", [enterprise]),
        "learners": [await new_learner(tp, database, school) for _ in range(3)],
        "outsider": await new_learner(tp, database, stranger),
        "teacher": (await new_person(tp, school, "王建华"))["id"],
        "teacher2": (await new_person(tp, school, "刘老师"))["id"],
        "master": (await new_person(tp, enterprise, "李师傅"))["id"],
        "master2": (await new_person(tp, enterprise, "赵师傅"))["id"],
    }


def body(w, i=0, **overrides):
    return {
        "learner_id": w["learners"][i],
        "school_org_id": w["school"],
        "enterprise_org_id": w["enterprise"],
        "programme_id": w["class"],
        "school_mentor_person_id": w["teacher"],
        "enterprise_mentor_person_id": w["master"],
        "start_on": "2024-09-01",
        "recruited_on": "2024-09-01",
        "contract_kind": "tripartite",
        "contract_number": f"XTHT-{uuid.uuid4().hex[:6]}",
        "contract_signed_on": "2024-09-05",
        "contract_parties": ["school", "enterprise", "apprentice"],
        **overrides,
    }


async def _count(database, school: str) -> int:
    rows = await sql(
        database, "select count(*) from training.apprenticeships where school_org_id = $1", uuid.UUID(school)
    )
    return rows[0][0]


async def test_each_apprentice_has_a_school_mentor_and_an_enterprise_mentor(tp, world, database):
    """seed 000「实行校企双导师制」: the school mentor is a person of the school, the enterprise mentor one of the
    enterprise; either from the wrong side is refused naming its field, and nothing is saved."""
    school = tp.as_org(world["school"], "org_staff")
    r = await school.post("/v1/apprenticeships", json=body(world))
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["school_mentor_name"], got["enterprise_mentor_name"], got["status"]) == ("王建华", "李师傅", "active")
    assert got["learner_name"] == "张学员" and got["recruited_on"] == "2024-09-01"
    before = await _count(database, world["school"])
    cases = [
        ({"school_mentor_person_id": world["master"]}, "school_mentor_person_id"),
        ({"enterprise_mentor_person_id": world["teacher"]}, "enterprise_mentor_person_id"),
    ]
    for change, field in cases:
        r = await school.post("/v1/apprenticeships", json=body(world, 1, **change))
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [{"loc": ["body", field], "msg": "所填单位没有该人员", "type": "person_not_found"}]
    # the class must be a 现代学徒制 / 企业新型学徒制 programme
    r = await school.post(
        "/v1/apprenticeships", json=body(world, 1, programme_id=world["order_class"]), headers={"Accept-Language": "en"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "apprenticeship_programme"
    assert "modern_apprenticeship" in r.json()["errors"][0]["msg"]
    # another organization's learner is answered like a missing one
    r = await school.post("/v1/apprenticeships", json=body(world, 1, learner_id=world["outsider"]))
    assert r.status_code == 404, r.text
    assert await _count(database, world["school"]) == before


async def test_the_contract_makes_the_student_a_prospective_employee(tp, world):
    """seed 000「学生进学校门的同时也成为了企业的准员工」: the contract (三方协议 / 劳动合同 / 学徒合同) has its day and
    the parties its kind needs, or nothing of it is given."""
    school = tp.as_org(world["school"])
    r = await school.post(
        "/v1/apprenticeships", json=body(world, 1, contract_parties=["school", "enterprise"], contract_signed_on=None)
    )
    assert r.status_code == 422, r.text
    errors = {e["loc"][-1]: e for e in r.json()["errors"]}
    assert errors["contract_parties"]["type"] == "contract_parties" and "学徒本人" in errors["contract_parties"]["msg"]
    assert errors["contract_signed_on"]["type"] == "required"
    r = await school.post(
        "/v1/apprenticeships", json=body(world, 1, contract_kind=None, contract_signed_on=None, contract_parties=[])
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "contract_number"]
    r = await school.post(
        "/v1/apprenticeships",
        json=body(world, 1, contract_kind="labour", contract_parties=["enterprise", "apprentice"]),
    )
    assert r.status_code == 201, r.text
    assert r.json()["contract_kind"] == "labour"


async def test_the_school_writes_the_enterprise_records_its_mentor_alliance_admins_read(tp, world):
    school = tp.as_org(world["school"])
    created = (await school.post("/v1/apprenticeships", json=body(world, 2, enterprise_mentor_person_id=None))).json()
    aid, path = created["id"], f"/v1/apprenticeships/{created['id']}"
    enterprise = tp.as_org(world["enterprise"], "org_staff")
    # the enterprise may not create the record, nor change anything but its mentor
    assert (await enterprise.post("/v1/apprenticeships", json=body(world, 2))).status_code == 403
    r = await enterprise.patch(path, json={"status": "completed", "ended_on": "2027-06-30"})
    assert r.status_code == 403
    r = await enterprise.patch(path, json={"enterprise_mentor_person_id": world["master2"]})
    assert r.status_code == 200, r.text
    assert r.json()["enterprise_mentor_name"] == "赵师傅" and r.json()["version"] == 2
    # its mentor must be its own person
    r = await enterprise.patch(path, json={"enterprise_mentor_person_id": world["teacher"]})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "enterprise_mentor_person_id"]
    # an alliance the school belongs to reads it; another alliance and another organization do not see it
    member_admin = tp.as_alliance(world["alliance"])
    assert (await member_admin.get(path)).status_code == 200
    listed = await member_admin.get("/v1/apprenticeships", params={"alliance_id": world["alliance"]})
    assert listed.status_code == 200 and aid in {i["id"] for i in listed.json()["items"]}
    assert (await member_admin.patch(path, json={"end_reason": "x"})).status_code == 403
    other_admin = tp.as_alliance(world["other_alliance"])
    assert (await other_admin.get(path)).status_code == 404
    assert (await other_admin.get("/v1/apprenticeships", params={"alliance_id": world["alliance"]})).status_code == 403
    stranger = tp.as_org(world["stranger"])
    assert (await stranger.get(path)).status_code == 404
    assert aid not in {i["id"] for i in (await stranger.get("/v1/apprenticeships")).json()["items"]}
    # the school ends it: final, then only the enterprise mentor and the reason may change
    r = await school.patch(path, json={"status": "ended_early", "ended_on": "2025-01-10"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "end_reason"]
    r = await school.patch(path, json={"status": "ended_early", "ended_on": "2025-01-10", "end_reason": "学生转专业"})
    assert r.status_code == 200 and r.json()["status"] == "ended_early"
    r = await school.patch(path, json={"status": "active"})
    assert r.status_code == 409 and r.json()["type"].endswith("apprenticeship-ended")
    r = await school.patch(path, json={"contract_parties": None})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "not_null"
    assert (await enterprise.delete(path)).status_code == 403
    assert (await school.delete(path)).status_code == 204
    assert (await school.get(path)).status_code == 404


async def test_figures_count_apprentices_mentor_pairs_and_contracts_by_their_period_rules(tp, world):
    """seed 000「实行校企双导师制」「学生进学校门的同时也成为了企业的准员工」: apprentices started and in training,
    distinct school–enterprise mentor pairs, contracts signed in the year — each figure with its period rule."""
    school_org = await tp.new_org("higher_vocational")
    enterprise_org = await tp.new_org("enterprise")
    alliance = await tp.new_alliance()
    await tp.join(school_org, alliance, "2023-01-01")
    database = None  # learners are registered through the API
    learners = [await new_learner(tp, database, school_org) for _ in range(4)]
    teacher = (await new_person(tp, school_org, "孙老师"))["id"]
    masters = [(await new_person(tp, enterprise_org, f"师傅{i}"))["id"] for i in range(2)]
    cls = await _programme(tp, school_org, "modern_apprenticeship", [enterprise_org])
    w = {
        "school": school_org,
        "enterprise": enterprise_org,
        "class": cls,
        "learners": learners,
        "teacher": teacher,
        "master": masters[0],
    }
    school = tp.as_org(school_org)
    plans = [
        # (start, master, contract signed on, ended)
        ("2024-09-01", masters[0], "2024-09-05", None),
        ("2024-09-01", masters[0], "2025-03-01", None),  # same pair as the first
        ("2025-09-01", masters[1], "2025-09-03", None),  # opened in 2025
        ("2023-09-01", None, None, "2024-06-30"),  # completed in 2024, no enterprise mentor
    ]
    for i, (start, master, signed, ended) in enumerate(plans):
        contract = (
            {"contract_signed_on": signed}
            if signed
            else {"contract_kind": None, "contract_number": None, "contract_signed_on": None, "contract_parties": []}
        )
        b = body(w, i, start_on=start, enterprise_mentor_person_id=master, **contract)
        r = await school.post("/v1/apprenticeships", json=b)
        assert r.status_code == 201, r.text
        if ended:
            r = await school.patch(
                f"/v1/apprenticeships/{r.json()['id']}", json={"status": "completed", "ended_on": ended}
            )
            assert r.status_code == 200, r.text
    params = {"org_id": school_org, "period_start": "2024-01-01", "period_end": "2024-12-31"}
    r = await school.get("/v1/training-stats/apprenticeships", params=params)
    assert r.status_code == 200, r.text
    f = r.json()
    assert (f["started"], f["in_training"], f["completed"], f["ended_early"]) == (2, 3, 1, 0)
    assert (f["mentor_pairs"], f["school_mentors"], f["enterprise_mentors"], f["classes"]) == (1, 1, 1, 1)
    assert f["contracts_signed"] == 1 and f["contracts_by_kind"]["tripartite"] == 1
    assert "start_on" in f["rules"]["started"] and "contract_signed_on" in f["rules"]["contracts_signed"]
    # the alliance reads the same records of its members; the enterprise reads its side; others are refused
    r = await tp.as_alliance(alliance).get(
        "/v1/training-stats/apprenticeships",
        params={"alliance_id": alliance, "period_start": "2024-01-01", "period_end": "2024-12-31"},
    )
    assert r.status_code == 200 and r.json()["started"] == 2
    r = await tp.as_org(enterprise_org).get(
        "/v1/training-stats/apprenticeships",
        params={**params, "org_id": enterprise_org, "period_start": "2025-01-01", "period_end": "2025-12-31"},
    )
    assert (r.json()["started"], r.json()["mentor_pairs"], r.json()["contracts_signed"]) == (1, 2, 2)
    assert (
        await tp.as_org(world["stranger"]).get("/v1/training-stats/apprenticeships", params=params)
    ).status_code == 403
    r = await school.get("/v1/training-stats/apprenticeships", params={**params, "alliance_id": alliance})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "exclusive"


async def test_a_school_imports_its_apprentices_from_a_spreadsheet(tp, world, database):
    """seed 000「实行校企双导师制」: the import checks each row's two mentors like the single create; each bad row is
    rejected with field, column and rule, the good ones are saved."""
    school = tp.as_org(world["school"])
    template = await school.get("/v1/apprenticeships/import-template.xlsx", headers={"Accept": "application/json"})
    assert template.status_code == 200 and template.json()[0]["heading"] == "学员ID"
    learners = [await new_learner(tp, database, world["school"]) for _ in range(2)]
    head = "学员ID,合作企业ID,学校导师人员ID,企业导师人员ID,开始日期,招工日期,合同类型,签订日期,签约方"
    ids = f"{world['enterprise']},{world['teacher']}"
    good = f"{learners[0]},{ids},{world['master']},2025-09-01,2025-09-01,三方协议,2025-09-05,学校、企业、学徒本人"
    bad = f"{learners[1]},{ids},{world['teacher2']},2025-09-01,,学徒合同,2025-09-05,企业、学徒本人"
    data = "\n".join([head, good, bad]).encode()
    params = {"school_org_id": world["school"], "programme_id": world["class"]}
    before = await _count(database, world["school"])
    r = await school.post(
        "/v1/apprenticeships/imports", params={**params, "dry_run": "true"}, files={"file": ("x.csv", data, "text/csv")}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["rows"], r.json()["created"]) == (2, 1)
    assert await _count(database, world["school"]) == before
    r = await school.post("/v1/apprenticeships/imports", params=params, files={"file": ("x.csv", data, "text/csv")})
    report = r.json()
    assert report["created"] == 1, r.text
    # the wrong-side mentor is named by its column, without echoing the cell
    assert {(x["row"], x["column"], x["rule"]) for x in report["rejected"]} == {
        (3, "企业导师人员ID", "person_not_found")
    }
    assert str(world["teacher2"]) not in r.text
    assert await _count(database, world["school"]) == before + 1
    # a second pass: the contract's parties
    bad2 = f"{learners[1]},{ids},{world['master']},2025-09-01,,学徒合同,2025-09-05,企业"
    r = await school.post(
        "/v1/apprenticeships/imports",
        params=params,
        files={"file": ("x.csv", "\n".join([head, bad2]).encode(), "text/csv")},
    )
    assert [(x["column"], x["rule"]) for x in r.json()["rejected"]] == [("签约方", "contract_parties")]
    assert (
        await tp.as_org(world["enterprise"]).post(
            "/v1/apprenticeships/imports", params=params, files={"file": ("x.csv", data, "text/csv")}
        )
    ).status_code == 403
