"""`/v1/part-time-teaching`: the term pattern and its default dates, class hours, tenancy."""

import pytest


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
