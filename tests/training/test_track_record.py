"""`GET /v1/training-stats/track-record`: a school's valid certificates in a field and its ended internships, read
by the matching ranking (services/training/stats/track.py)."""

from __future__ import annotations

import pytest

from tests.training.certificate_support import issue, new_world
from tests.training.conftest import TrainingPlatform


async def test_a_fresh_school_has_an_empty_record_and_only_its_own_principals_read_it(tp: TrainingPlatform):
    school, other = await tp.new_org("higher_vocational"), await tp.new_org("enterprise")
    r = await tp.as_org(school, "org_staff").get(
        "/v1/training-stats/track-record", params={"org_id": school, "occupation_codes": "6-18-01-01,6-18"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["certificates"] == 0 and body["completed_internships"] == 0
    assert body["occupation_codes"] == ["6-18-01-01", "6-18"]
    r = await tp.as_org(other).get("/v1/training-stats/track-record", params={"org_id": school})
    assert r.status_code == 403, r.text


@pytest.mark.parametrize("codes", ["9-99", "abc"])
async def test_a_malformed_occupation_code_is_422_naming_the_parameter(tp: TrainingPlatform, codes: str):
    school = await tp.new_org("higher_vocational")
    r = await tp.as_org(school).get(
        "/v1/training-stats/track-record", params={"org_id": school, "occupation_codes": codes}
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "occupation_codes" in r.text


async def test_certificates_in_the_field_and_ended_internships_count(tp: TrainingPlatform, database):
    w = await new_world(tp, database)
    await issue(tp, w, occupation_code="6-18-01-01")  # 车工: under the group 6-18-01
    await issue(tp, w, occupation_code="4-07-02-01")  # another field
    host = w["enterprise"]
    internship = {
        "learner_id": w["learner"],
        "school_org_id": w["school"],
        "host_org_id": host,
        "kind": "shadow",
        "start_on": "2024-03-01",
        "end_on": "2024-05-31",
    }
    r = await tp.as_org(w["school"]).post("/v1/internships", json=internship)
    assert r.status_code == 201, r.text

    async def record(codes: str) -> dict:
        r = await tp.as_org(w["school"]).get(
            "/v1/training-stats/track-record", params={"org_id": w["school"], "occupation_codes": codes}
        )
        assert r.status_code == 200, r.text
        return r.json()

    assert (await record("6-18-01"))["certificates"] == 1
    assert (await record("6-18-01-01,4-07-02-01"))["certificates"] == 2
    assert (await record("2-02"))["certificates"] == 0
    assert (await record(""))["certificates"] == 2  # no field named: every valid certificate
    assert (await record("6-18-01"))["completed_internships"] == 1
