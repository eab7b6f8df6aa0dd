"""`/v1/teacher-practices`: person-months of the record's span; the teacher is a membership person of the school
(asked of the real membership service through the gateway), named by a snapshot; who writes and who reads."""

import uuid
from datetime import date

import pytest

from tests.training.practice_support import new_learner, new_person, sql


@pytest.fixture(scope="module")
async def world(tp):
    school = await tp.new_org("higher_vocational")
    enterprise = await tp.new_org("enterprise")
    other = await tp.new_org("enterprise")
    other_school = await tp.new_org("higher_vocational")
    teacher = await new_person(tp, school, "王建华", tags=["dual_qualified"])
    stranger = await new_person(tp, other_school, "赵外校")
    return {
        "school": school,
        "enterprise": enterprise,
        "other": other,
        "other_school": other_school,
        "teacher": teacher["id"],
        "stranger": stranger["id"],
    }


def body(w, **overrides):
    return {
        "person_id": w["teacher"],
        "school_org_id": w["school"],
        "enterprise_org_id": w["enterprise"],
        "start_on": "2024-07-01",
        "end_on": "2024-08-29",
        "post": "数控加工车间技术员",
        **overrides,
    }


async def _count(database, school: str) -> int:
    rows = await sql(
        database, "select count(*) from training.teacher_practices where school_org_id = $1", uuid.UUID(school)
    )
    return rows[0][0]


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


async def test_the_teacher_is_a_membership_person_of_the_school_named_as_recorded(tp, world):
    school = tp.as_org(world["school"], "org_staff")
    r = await school.post("/v1/teacher-practices", json=body(world))
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["person_id"], got["teacher_name"], got["learner_id"]) == (world["teacher"], "王建华", None)
    # the name is a snapshot: renaming the person in membership does not rewrite what was recorded
    renamed = await tp.admin.patch(f"/v1/people/{world['teacher']}", json={"name": "王建华（已改名）"})
    assert renamed.status_code == 200, renamed.text
    again = await school.get(f"/v1/teacher-practices/{got['id']}")
    assert again.json()["teacher_name"] == "王建华"
    listed = await school.get("/v1/teacher-practices", params={"person_id": world["teacher"]})
    assert got["id"] in {i["id"] for i in listed.json()["items"]}
    assert all(i["person_id"] == world["teacher"] for i in listed.json()["items"])


async def test_a_person_of_another_organization_is_answered_like_a_missing_one(tp, world, database):
    school = tp.as_org(world["school"])
    before = await _count(database, world["school"])
    answers = []
    for person in (world["stranger"], str(uuid.uuid4())):
        r = await school.post("/v1/teacher-practices", json=body(world, person_id=person))
        assert r.status_code == 422, r.text
        problem = r.json()
        answers.append((problem["title"], problem["detail"], problem["errors"]))
    assert answers[0] == answers[1]
    assert answers[0][2] == [{"loc": ["body", "person_id"], "msg": "所填单位没有该人员", "type": "person_not_found"}]
    # nothing of the other school's person leaks: neither its name nor its organization
    assert "赵外校" not in str(answers) and world["other_school"] not in str(answers)
    # a person who was deleted in membership: the same answer again
    gone = await new_person(tp, world["school"], "离职教师")
    assert (await tp.admin.delete(f"/v1/people/{gone['id']}")).status_code == 204
    r = await school.post("/v1/teacher-practices", json=body(world, person_id=gone["id"]))
    assert r.status_code == 422 and (r.json()["title"], r.json()["detail"], r.json()["errors"]) == answers[0]
    r = await school.post(
        "/v1/teacher-practices", json=body(world, person_id=world["stranger"]), headers={"Accept-Language": "en"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["msg"] == "No such person in that organization"
    assert await _count(database, world["school"]) == before
    # the old reference is gone from the contract: a learner id is an unknown field
    r = await school.post("/v1/teacher-practices", json={**body(world), "learner_id": str(uuid.uuid4())})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "learner_id"]


async def test_only_the_school_links_its_teacher_and_a_new_school_must_be_the_teachers(tp, world):
    enterprise = tp.as_org(world["enterprise"], "org_staff")
    # the enterprise is a party, but the person is the school's: it may not link it (whether it exists or not)
    for person in (world["teacher"], str(uuid.uuid4())):
        r = await enterprise.post("/v1/teacher-practices", json=body(world, person_id=person))
        assert r.status_code == 403, r.text
    r = await tp.as_org(world["school"]).post("/v1/teacher-practices", json=body(world))
    pid = r.json()["id"]
    # moving the record to a school the teacher does not belong to: 422 on school_org_id (caller of both)
    r = await tp.admin.patch(f"/v1/teacher-practices/{pid}", json={"school_org_id": world["other_school"]})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "school_org_id"]
    # the enterprise may not move it to another school at all
    r = await enterprise.patch(f"/v1/teacher-practices/{pid}", json={"school_org_id": world["other_school"]})
    assert r.status_code == 403
    r = await tp.as_org(world["school"]).get(f"/v1/teacher-practices/{pid}")
    assert r.json()["school_org_id"] == world["school"] and r.json()["version"] == 1


async def test_membership_down_is_503_and_nothing_is_written(tp, world, database):
    school = tp.as_org(world["school"])
    assert (await school.post("/v1/teacher-practices", json=body(world))).status_code == 201  # orgs now cached
    fresh = await new_person(tp, world["school"], "新教师")
    before = await _count(database, world["school"])
    membership = tp.platform.upstreams["membership"]
    await membership.stop()
    try:
        r = await school.post("/v1/teacher-practices", json=body(world, person_id=fresh["id"]))
        assert r.status_code == 503, r.text
        assert r.headers.get("retry-after")
        assert r.headers["content-type"].startswith("application/problem+json")
    finally:
        await membership.start()
    assert await _count(database, world["school"]) == before
    r = await school.post("/v1/teacher-practices", json=body(world, person_id=fresh["id"]))
    assert r.status_code == 201 and r.json()["teacher_name"] == "新教师"


async def test_rules_and_tenancy(tp, world):
    school, enterprise, other = (tp.as_org(world[k], "org_staff") for k in ("school", "enterprise", "other"))
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
    assert r.json()["teacher_name"] == "王建华"
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


async def test_a_legacy_record_keeps_its_learner_and_counts_once_per_teacher(tp, database):
    """Records made while the teacher was a training learner (as migration 89645a007276 leaves them): they read,
    list and count by that learner; new records count by person; a person counts once however many records."""
    school = await tp.new_org("higher_vocational")
    enterprise = await tp.new_org("enterprise")
    learner = await new_learner(tp, database, school, "teacher")
    for start, end in (("2023-03-01", "2023-03-10"), ("2023-05-01", "2023-05-10")):
        await sql(
            database,
            "insert into training.teacher_practices (id, learner_id, teacher_name, school_org_id, enterprise_org_id, "
            "start_on, end_on, version, created_at, updated_at) values ($1, $2, '张学员', $3, $4, $5, $6, 1, now(), "
            "now())",
            uuid.uuid4(),
            uuid.UUID(learner),
            uuid.UUID(school),
            uuid.UUID(enterprise),
            date.fromisoformat(start),
            date.fromisoformat(end),
        )
    teacher = await new_person(tp, school, "刘双师", tags=["dual_qualified"])
    client = tp.as_org(school)
    for start, end in (("2023-07-01", "2023-07-10"), ("2023-08-01", "2023-08-10")):
        body_ = {"person_id": teacher["id"], "school_org_id": school, "enterprise_org_id": enterprise}
        r = await client.post("/v1/teacher-practices", json=body_ | {"start_on": start, "end_on": end})
        assert r.status_code == 201, r.text
    legacy = await client.get("/v1/teacher-practices", params={"learner_id": learner})
    items = legacy.json()["items"]
    assert len(items) == 2
    assert {(i["person_id"], i["learner_id"], i["teacher_name"]) for i in items} == {(None, learner, "张学员")}
    stats = await client.get(
        "/v1/training-stats", params={"org_id": school, "period_start": "2023-01-01", "period_end": "2023-12-31"}
    )
    figures = stats.json()["teacher_practice"]
    assert (figures["practices"], figures["teachers"], figures["overlap_days"]) == (4, 2, 40)
    hosted = await tp.as_org(enterprise).get(
        "/v1/training-stats", params={"org_id": enterprise, "period_start": "2023-01-01", "period_end": "2023-12-31"}
    )
    hosted_figures = hosted.json()["teacher_practice"]
    assert (hosted_figures["hosted_practices"], hosted_figures["hosted_teachers"]) == (4, 2)
