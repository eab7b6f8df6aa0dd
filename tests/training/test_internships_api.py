"""`/v1/internships` through the gateway: the insurance rule, the derived 3-month flag, tenancy (403 wrong org,
404 another tenant's record; the school records its own learner, the host sees a summary), inactive organizations,
ETag/If-Match, idempotency, list filters and sync."""

import uuid

import pytest

from tests.training.practice_support import new_learner


@pytest.fixture(scope="module")
async def world(tp, database):
    school = await tp.new_org("higher_vocational")
    host = await tp.new_org("enterprise")
    other = await tp.new_org("enterprise")
    learner = await new_learner(tp, database, school)
    return {"school": school, "host": host, "other": other, "learner": learner}


def body(w, **overrides):
    return {
        "learner_id": w["learner"],
        "school_org_id": w["school"],
        "host_org_id": w["host"],
        "kind": "shadow",
        "start_on": "2024-03-01",
        "end_on": "2024-05-31",
        "position": "数控车工",
        "mentor_name": "王建华",
        **overrides,
    }


def fields(r):
    return {tuple(e["loc"]): e["type"] for e in r.json().get("errors", [])}


async def test_post_internship_needs_liability_insurance(tp, world):
    school = tp.as_org(world["school"])
    r = await school.post("/v1/internships", json=body(world, kind="post"))
    assert r.status_code == 422, r.text
    assert fields(r) == {
        ("body", "insured"): "insurance_required",
        ("body", "insurance_policy_no"): "insurance_required",
    }
    r = await school.post("/v1/internships", json=body(world, kind="post", insured=True))
    assert r.status_code == 422
    assert fields(r) == {("body", "insurance_policy_no"): "insurance_required"}
    assert "insurance_policy_no" in r.json()["detail"]
    r = await school.post(
        "/v1/internships",
        json=body(world, kind="post", insured=True, insurance_policy_no="PICC2024-1", stipend_monthly_cny="2500"),
    )
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["kind_label"] == "岗位实习" and got["stipend_monthly_cny"] == "2500.00"
    assert got["three_months_or_more"] is True and got["days"] == 92
    assert r.headers["etag"] == '"1"' and r.headers["location"] == f"/v1/internships/{got['id']}"
    # a post internship cannot lose its insurance later
    r = await school.patch(f"/v1/internships/{got['id']}", json={"insurance_policy_no": None})
    assert r.status_code == 422 and fields(r) == {("body", "insurance_policy_no"): "insurance_required"}
    # other kinds need none, but a policy number without `insured` contradicts itself
    r = await school.post("/v1/internships", json=body(world, kind="cognitive", insurance_policy_no="X-1"))
    assert r.status_code == 422 and fields(r) == {("body", "insured"): "insurance_contradiction"}


async def test_three_month_flag_is_derived_on_create_and_update(tp, world):
    school = tp.as_org(world["school"], "org_staff")
    r = await school.post("/v1/internships", json=body(world, start_on="2024-01-31", end_on="2024-04-29"))
    assert r.status_code == 201, r.text
    x = r.json()
    assert x["three_months_or_more"] is False
    r = await school.patch(f"/v1/internships/{x['id']}", json={"end_on": "2024-04-30"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["three_months_or_more"] is True and r.json()["version"] == 2
    r = await school.patch(f"/v1/internships/{x['id']}", json={"end_on": "2024-01-30"})
    assert r.status_code == 422 and ("body", "end_on") in fields(r)
    r = await school.patch(f"/v1/internships/{x['id']}", json={"start_on": None})
    assert r.status_code == 422


async def test_wrong_org_is_403_and_another_tenants_record_is_404(tp, world):
    other = tp.as_org(world["other"])
    r = await other.post("/v1/internships", json=body(world))
    assert r.status_code == 403
    # the host may not name the school's learner record (404); the school records it, the host then edits it
    assert (await tp.as_org(world["host"]).post("/v1/internships", json=body(world))).status_code == 404
    created = await tp.as_org(world["school"]).post("/v1/internships", json=body(world))
    assert created.status_code == 201, created.text
    assert (
        await tp.as_org(world["host"]).patch(f"/v1/internships/{created.json()['id']}", json={"position": "钳工"})
    ).status_code == 200
    iid = created.json()["id"]
    assert (await other.get(f"/v1/internships/{iid}")).status_code == 404
    assert (await other.patch(f"/v1/internships/{iid}", json={"position": "钳工"})).status_code == 403
    assert (await other.delete(f"/v1/internships/{iid}")).status_code == 403
    listed = await other.get("/v1/internships", params={"school_org_id": world["school"]})
    assert listed.status_code == 200 and listed.json()["items"] == []
    assert (await tp.as_org(world["school"]).get(f"/v1/internships/{iid}")).status_code == 200
    assert (await tp.admin.get(f"/v1/internships/{iid}")).status_code == 200
    assert (await tp.anonymous.get(f"/v1/internships/{iid}")).status_code == 401
    # moving the record to organizations the caller is not part of is refused
    r = await tp.as_org(world["host"]).patch(
        f"/v1/internships/{iid}", json={"school_org_id": world["other"], "host_org_id": world["other"]}
    )
    assert r.status_code == 403


async def test_inactive_or_unknown_organizations_and_unknown_learners(tp, world, database):
    gone = await tp.new_org("enterprise")
    await tp.deactivate(gone, "2024-01-01")
    school = tp.as_org(world["school"])
    r = await school.post("/v1/internships", json=body(world, host_org_id=gone))
    assert r.status_code == 422 and fields(r) == {("body", "host_org_id"): "organization_inactive"}
    r = await tp.admin.post("/v1/internships", json=body(world, host_org_id=str(uuid.uuid4())))
    assert r.status_code == 422 and fields(r) == {("body", "host_org_id"): "organization_not_found"}
    r = await school.post("/v1/internships", json=body(world, learner_id=str(uuid.uuid4())))
    assert r.status_code == 404
    # a learner the school has no relation to is 404 to it, as if it did not exist
    stranger = await new_learner(tp, database, world["other"])
    r = await school.post("/v1/internships", json=body(world, learner_id=stranger))
    assert r.status_code == 404


async def test_the_host_sees_a_summary_and_never_reaches_the_learner(tp, world, database):
    learner = await new_learner(tp, database, world["school"])
    r = await tp.as_org(world["school"]).post("/v1/internships", json=body(world, learner_id=learner))
    assert r.status_code == 201
    assert r.json()["learner"]["name"] == "张学员" and r.json()["learner"]["id_number_masked"].startswith("3707")
    seen = await tp.as_org(world["host"]).get(f"/v1/internships/{r.json()['id']}")
    assert seen.json()["learner"] == r.json()["learner"]
    # the internship gives the host no sight of the learner, nor a way to record the next internship with it
    assert (await tp.as_org(world["host"]).get(f"/v1/learners/{learner}")).status_code == 404
    r = await tp.as_org(world["host"]).post(
        "/v1/internships", json=body(world, learner_id=learner, start_on="2024-09-01", end_on="2024-09-30")
    )
    assert r.status_code == 404, r.text


async def test_etag_idempotency_delete_and_sync(tp, world):
    school = tp.as_org(world["school"])
    key = {"Idempotency-Key": f"intern-{uuid.uuid4()}"}
    first = await school.post("/v1/internships", json=body(world, kind="cognitive"), headers=key)
    again = await school.post("/v1/internships", json=body(world, kind="cognitive"), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.headers.get("idempotent-replayed") == "true"
    iid = first.json()["id"]
    assert (await school.get(f"/v1/internships/{iid}", headers={"If-None-Match": '"1"'})).status_code == 304
    r = await school.patch(f"/v1/internships/{iid}", json={"position": "装配工"}, headers={"If-Match": '"7"'})
    assert r.status_code == 412
    before = (await school.get(f"/v1/internships/{iid}")).json()["updated_at"]
    r = await school.delete(f"/v1/internships/{iid}", headers={"If-Match": '"1"'})
    assert r.status_code == 204
    assert (await school.get(f"/v1/internships/{iid}")).status_code == 404
    page = (await school.get("/v1/internships", params={"updated_since": before, "include_deleted": "true"})).json()
    assert {"id": iid, "deleted": True} == {k: v for k, v in page["items"][-1].items() if k != "deleted_at"}


async def test_list_filters(tp, world, database):
    school_id = await tp.new_org("higher_vocational")
    school = tp.as_org(school_id)
    learner = await new_learner(tp, database, school_id)
    w = {**world, "school": school_id, "learner": learner}
    ids = {}
    for name, kind, start, end in (
        ("spring", "cognitive", "2024-03-01", "2024-03-15"),
        ("summer", "shadow", "2024-06-01", "2024-09-30"),
        ("winter", "shadow", "2025-01-05", "2025-02-20"),
    ):
        r = await school.post("/v1/internships", json=body(w, kind=kind, start_on=start, end_on=end))
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]

    async def listed(**params):
        r = await school.get("/v1/internships", params={"school_org_id": school_id, **params})
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert await listed() == set(ids.values())
    assert await listed(kind="shadow") == {ids["summer"], ids["winter"]}
    assert await listed(period_start="2024-03-15", period_end="2024-06-01") == {ids["spring"], ids["summer"]}
    assert await listed(period_start="2024-10-01") == {ids["winter"]}
    assert await listed(three_months_or_more="true") == {ids["summer"]}
    assert await listed(host_org_id=world["other"]) == set()
    first = await school.get("/v1/internships", params={"school_org_id": school_id, "limit": 2})
    rest = await school.get(
        "/v1/internships", params={"school_org_id": school_id, "limit": 2, "cursor": first.json()["next_cursor"]}
    )
    assert len(first.json()["items"]) == 2 and len(rest.json()["items"]) == 1 and rest.json()["next_cursor"] is None
