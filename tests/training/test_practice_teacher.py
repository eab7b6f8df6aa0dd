"""`/v1/teacher-practices`: person-months of the record's span, the teacher rule, who writes and who reads."""

import pytest

from tests.training.practice_support import new_learner


@pytest.fixture(scope="module")
async def world(tp, database):
    school = await tp.new_org("higher_vocational")
    enterprise = await tp.new_org("enterprise")
    other = await tp.new_org("enterprise")
    teacher = await new_learner(tp, database, school, "teacher")
    student = await new_learner(tp, database, school, "student")
    return {"school": school, "enterprise": enterprise, "other": other, "teacher": teacher, "student": student}


def body(w, **overrides):
    return {
        "learner_id": w["teacher"],
        "school_org_id": w["school"],
        "enterprise_org_id": w["enterprise"],
        "start_on": "2024-07-01",
        "end_on": "2024-08-29",
        "post": "数控加工车间技术员",
        **overrides,
    }


@pytest.mark.parametrize(
    ("start", "end", "days", "person_months"),
    [
        ("2024-07-01", "2024-08-29", 60, 2.0),
        ("2024-01-01", "2024-01-31", 31, 1.03),
        ("2024-02-01", "2024-02-29", 29, 0.97),
        ("2024-03-10", "2024-03-10", 1, 0.03),
        ("2023-09-01", "2024-08-31", 366, 12.2),
    ],
)
async def test_person_months_are_days_over_30(tp, world, start, end, days, person_months):
    r = await tp.as_org(world["school"]).post("/v1/teacher-practices", json=body(world, start_on=start, end_on=end))
    assert r.status_code == 201, r.text
    assert r.json()["days"] == days and r.json()["person_months"] == person_months


async def test_rules_and_tenancy(tp, world):
    school, enterprise, other = (tp.as_org(world[k], "org_staff") for k in ("school", "enterprise", "other"))
    r = await school.post("/v1/teacher-practices", json=body(world, learner_id=world["student"]))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "learner_id"]
    r = await school.post("/v1/teacher-practices", json=body(world, end_on="2024-06-30"))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "end_on"]
    assert (await other.post("/v1/teacher-practices", json=body(world))).status_code == 403
    r = await school.post("/v1/teacher-practices", json=body(world))
    assert r.status_code == 201
    pid = r.json()["id"]
    # the enterprise is a party: it reads and edits; a third organization gets 404 on read, 403 on write
    r = await enterprise.patch(
        f"/v1/teacher-practices/{pid}", json={"end_on": "2024-09-28"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.json()["person_months"] == 3.0 and r.json()["version"] == 2
    assert (await other.get(f"/v1/teacher-practices/{pid}")).status_code == 404
    assert (await other.patch(f"/v1/teacher-practices/{pid}", json={"post": "x"})).status_code == 403
    listed = await other.get("/v1/teacher-practices", params={"school_org_id": world["school"]})
    assert listed.json()["items"] == []
    mine = await enterprise.get(
        "/v1/teacher-practices",
        params={"enterprise_org_id": world["enterprise"], "period_start": "2024-09-01", "period_end": "2024-09-30"},
    )
    assert pid in {i["id"] for i in mine.json()["items"]}
    assert (await school.delete(f"/v1/teacher-practices/{pid}", headers={"If-Match": '"1"'})).status_code == 412
    assert (await school.delete(f"/v1/teacher-practices/{pid}")).status_code == 204
    assert (await enterprise.get(f"/v1/teacher-practices/{pid}")).status_code == 404
