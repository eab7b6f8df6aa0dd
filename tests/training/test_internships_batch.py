"""`POST /v1/internships/batch`: per-item results, `atomic=true`, the Idempotency-Key of the batch as a whole."""

import uuid

import pytest

from tests.training.practice_support import new_learner, sql


@pytest.fixture(scope="module")
async def world(tp, database):
    school = await tp.new_org("higher_vocational")
    host = await tp.new_org("enterprise")
    other = await tp.new_org("enterprise")
    learners = [await new_learner(tp, database, school) for _ in range(3)]
    return {"school": school, "host": host, "other": other, "learners": learners}


def item(w, i=0, **overrides):
    return {
        "learner_id": w["learners"][i],
        "school_org_id": w["school"],
        "host_org_id": w["host"],
        "kind": "shadow",
        "start_on": "2024-03-01",
        "end_on": "2024-06-15",
        **overrides,
    }


async def count_for(database, learner_id):
    rows = await sql(
        database, "select count(*) as n from training.internships where learner_id = $1", uuid.UUID(learner_id)
    )
    return rows[0]["n"]


async def test_per_item_results_keep_the_valid_items(tp, world, database):
    school = tp.as_org(world["school"])
    items = [
        item(world, 0),
        item(world, 1, kind="post"),  # no insurance
        item(world, 2, learner_id=str(uuid.uuid4())),  # unknown learner
        {"kind": "shadow"},  # malformed
        item(world, 2, start_on="2024-01-31", end_on="2024-04-29"),
    ]
    r = await school.post("/v1/internships/batch", json={"items": items})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["committed"] is True and got["created"] == 2 and got["failed"] == 3
    statuses = [x["status"] for x in got["results"]]
    assert statuses == [201, 422, 404, 422, 201]
    assert got["results"][0]["three_months_or_more"] is True
    assert got["results"][4]["three_months_or_more"] is False
    locs = {tuple(e["loc"]) for e in got["results"][1]["problem"]["errors"]}
    assert locs == {("body", "items", 1, "insured"), ("body", "items", 1, "insurance_policy_no")}
    assert got["results"][1]["problem"]["instance"] == "/v1/internships/batch#/items/1"
    assert ("body", "items", 3, "learner_id") in {tuple(e["loc"]) for e in got["results"][3]["problem"]["errors"]}
    assert await count_for(database, world["learners"][0]) == 1
    assert await count_for(database, world["learners"][1]) == 0
    assert (await school.get(f"/v1/internships/{got['results'][0]['id']}")).status_code == 200


async def test_an_item_naming_neither_of_the_callers_organizations_forbids_the_batch(tp, world, database):
    before = await count_for(database, world["learners"][0])
    items = [item(world, 0), item(world, 0, school_org_id=world["other"], host_org_id=world["other"])]
    r = await tp.as_org(world["school"]).post("/v1/internships/batch", json={"items": items})
    assert r.status_code == 403 and r.json()["items"] == [1]
    assert await count_for(database, world["learners"][0]) == before


async def test_atomic_batch_saves_nothing_when_an_item_fails(tp, world, database):
    school = tp.as_org(world["school"])
    before = await count_for(database, world["learners"][1])
    r = await school.post(
        "/v1/internships/batch",
        params={"atomic": "true"},
        json={"items": [item(world, 1), item(world, 1, end_on="2024-01-01")]},
    )
    assert r.status_code == 422, r.text
    got = r.json()
    assert got["committed"] is False and got["created"] == 0 and got["failed"] == 1
    assert [x["status"] for x in got["results"]] == [424, 422]
    assert "id" not in got["results"][0]
    assert await count_for(database, world["learners"][1]) == before
    r = await school.post("/v1/internships/batch", params={"atomic": "true"}, json={"items": [item(world, 1)]})
    assert r.status_code == 200 and r.json()["created"] == 1
    assert await count_for(database, world["learners"][1]) == before + 1


async def test_idempotency_key_covers_the_batch_and_the_size_limit(tp, world, database):
    school = tp.as_org(world["school"])
    key = {"Idempotency-Key": f"batch-{uuid.uuid4()}"}
    payload = {"items": [item(world, 2, kind="cognitive", start_on="2025-03-01", end_on="2025-03-05")]}
    before = await count_for(database, world["learners"][2])
    first = await school.post("/v1/internships/batch", json=payload, headers=key)
    again = await school.post("/v1/internships/batch", json=payload, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
    assert await count_for(database, world["learners"][2]) == before + 1
    other_body = await school.post("/v1/internships/batch", json={"items": [item(world, 2)]}, headers=key)
    assert other_body.status_code == 422
    r = await school.post("/v1/internships/batch", json={"items": [item(world, 0)] * 1001})
    assert r.status_code == 422
    r = await school.post("/v1/internships/batch", json={"items": []})
    assert r.status_code == 422
    assert (await tp.anonymous.post("/v1/internships/batch", json=payload)).status_code == 401
