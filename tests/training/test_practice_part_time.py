"""`/v1/part-time-teaching`: the term pattern and its default dates, class hours, tenancy, and the optional
staff member as a membership person of the enterprise."""

import uuid

import pytest

from tests.training.practice_support import new_person, sql


@pytest.fixture(scope="module")
async def world(tp):
    return {
        "school": await tp.new_org("higher_vocational"),
        "enterprise": await tp.new_org("enterprise"),
        "other": await tp.new_org("enterprise"),
    }


def body(w, **overrides):
    return {
        "staff_name": "李师傅",
        "enterprise_org_id": w["enterprise"],
        "school_org_id": w["school"],
        "term": "2024-2025-1",
        "course": "数控车削加工",
        "class_hours": 64,
        **overrides,
    }


@pytest.mark.parametrize(
    ("term", "start", "end"),
    [
        ("2024-2025-1", "2024-09-01", "2025-01-31"),
        ("2024-2025-2", "2025-02-01", "2025-07-31"),
        ("2023-2024-2", "2024-02-01", "2024-07-31"),  # leap year: dates stay the same
    ],
)
async def test_term_dates_default_from_the_term(tp, world, term, start, end):
    r = await tp.as_org(world["enterprise"]).post("/v1/part-time-teaching", json=body(world, term=term))
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["term_start_on"], got["term_end_on"]) == (start, end)
    assert got["class_hours"] == 64.0


async def test_explicit_dates_bad_terms_and_hours(tp, world):
    school = tp.as_org(world["school"])
    r = await school.post(
        "/v1/part-time-teaching", json=body(world, term_start_on="2024-09-09", term_end_on="2025-01-12")
    )
    assert r.status_code == 201 and r.json()["term_start_on"] == "2024-09-09"
    rid = r.json()["id"]
    for term in ("2024-2026-1", "2024-2025-3", "2024/2025-1", "24-25-1"):
        r = await school.post("/v1/part-time-teaching", json=body(world, term=term))
        assert r.status_code == 422, term
        assert r.json()["errors"][0]["loc"][-1] == "term"
    for hours in (0, -2, 1.25):
        r = await school.post("/v1/part-time-teaching", json=body(world, class_hours=hours))
        assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "class_hours"
    r = await school.post(
        "/v1/part-time-teaching", json=body(world, term_start_on="2025-02-01", term_end_on="2025-01-31")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "term_end_on"]
    # a new term without dates takes the new term's defaults
    r = await school.patch(f"/v1/part-time-teaching/{rid}", json={"term": "2024-2025-2", "class_hours": 32.5})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["term_start_on"], got["term_end_on"], got["class_hours"]) == ("2025-02-01", "2025-07-31", 32.5)


async def test_tenancy(tp, world):
    other = tp.as_org(world["other"])
    assert (await other.post("/v1/part-time-teaching", json=body(world))).status_code == 403
    r = await tp.as_org(world["school"], "org_staff").post("/v1/part-time-teaching", json=body(world))
    rid = r.json()["id"]
    assert (await other.get(f"/v1/part-time-teaching/{rid}")).status_code == 404
    assert (await other.delete(f"/v1/part-time-teaching/{rid}")).status_code == 403
    assert (await tp.as_org(world["enterprise"]).get(f"/v1/part-time-teaching/{rid}")).status_code == 200
    listed = await tp.as_org(world["enterprise"]).get(
        "/v1/part-time-teaching", params={"term": "2024-2025-1", "school_org_id": world["school"]}
    )
    assert rid in {i["id"] for i in listed.json()["items"]}
    assert (await other.get("/v1/part-time-teaching", params={"school_org_id": world["school"]})).json()["items"] == []
    gone = await tp.new_org("enterprise")
    await tp.deactivate(gone, "2024-01-01")
    r = await tp.admin.post("/v1/part-time-teaching", json=body(world, enterprise_org_id=gone))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "enterprise_org_id"]


async def test_a_given_person_is_one_of_the_enterprise_linked_by_the_enterprise(tp, world, database):
    staff = await new_person(tp, world["enterprise"], "李师傅", tags=["craftsman"])
    stranger = await new_person(tp, world["other"], "周外企")
    enterprise = tp.as_org(world["enterprise"], "org_staff")
    r = await enterprise.post("/v1/part-time-teaching", json=body(world, person_id=staff["id"]))
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert r.json()["person_id"] == staff["id"]
    before = (await sql(database, "select count(*) from training.part_time_teaching"))[0][0]
    # a person of another organization and a missing one: the same 422 on body.person_id, nothing written
    answers = []
    for person in (stranger["id"], str(uuid.uuid4())):
        r = await enterprise.post("/v1/part-time-teaching", json=body(world, person_id=person))
        assert r.status_code == 422, r.text
        answers.append((r.json()["title"], r.json()["detail"], r.json()["errors"]))
    assert answers[0] == answers[1] and answers[0][2][0]["loc"] == ["body", "person_id"]
    assert answers[0][2][0]["type"] == "person_not_found" and "周外企" not in str(answers)
    # the school is a party but may not link the enterprise's person (existing or not): 403; by name alone it may
    school = tp.as_org(world["school"])
    for person in (staff["id"], str(uuid.uuid4())):
        assert (await school.post("/v1/part-time-teaching", json=body(world, person_id=person))).status_code == 403
    assert (await sql(database, "select count(*) from training.part_time_teaching"))[0][0] == before
    assert (await school.post("/v1/part-time-teaching", json=body(world))).status_code == 201
    # a change to another person or to another enterprise is checked the same way
    r = await enterprise.patch(f"/v1/part-time-teaching/{rid}", json={"person_id": stranger["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "person_id"]
    r = await tp.admin.patch(f"/v1/part-time-teaching/{rid}", json={"enterprise_org_id": world["other"]})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "enterprise_org_id"]
    colleague = await new_person(tp, world["enterprise"], "钱师傅")
    r = await school.patch(f"/v1/part-time-teaching/{rid}", json={"person_id": colleague["id"], "class_hours": 60})
    assert r.status_code == 403
    r = await school.patch(f"/v1/part-time-teaching/{rid}", json={"class_hours": 60})  # no person change: fine
    assert r.status_code == 200 and r.json()["person_id"] == staff["id"]
    r = await enterprise.patch(f"/v1/part-time-teaching/{rid}", json={"person_id": None})
    assert r.status_code == 200 and r.json()["person_id"] is None


async def test_membership_down_is_503_when_a_person_is_given(tp, world, database):
    enterprise = tp.as_org(world["enterprise"])
    assert (await enterprise.post("/v1/part-time-teaching", json=body(world))).status_code == 201  # orgs cached
    staff = await new_person(tp, world["enterprise"], "孙师傅")
    before = (await sql(database, "select count(*) from training.part_time_teaching"))[0][0]
    membership = tp.platform.upstreams["membership"]
    await membership.stop()
    try:
        r = await enterprise.post("/v1/part-time-teaching", json=body(world, person_id=staff["id"]))
        assert r.status_code == 503 and r.headers.get("retry-after"), r.text
    finally:
        await membership.start()
    assert (await sql(database, "select count(*) from training.part_time_teaching"))[0][0] == before
