"""`POST /v1/certificates/batch`: issued and recorded items answered one by one, numbers unique per issuer (against
the table and inside the batch), another organization's learner not found and nothing written for it, replay,
atomic batches, and a batch-created certificate that verifies publicly."""

import uuid

import pytest

from tests.training.certificate_support import issue, issue_body, new_world, number, record_body
from tests.training.practice_support import new_learner, sql

BATCH = "/v1/certificates/batch"


@pytest.fixture(scope="module")
async def w(tp, database):
    return await new_world(tp, database)


async def _count(database, numbers: list[str]) -> int:
    rows = await sql(database, "select count(*) as n from training.certificates where number = any($1)", numbers)
    return rows[0]["n"]


async def test_issued_and_recorded_items_each_answered(tp, w, database):
    school = tp.as_org(w["school"])
    second = await new_learner(tp, database, w["school"])
    items = [
        issue_body(w),
        issue_body(w, learner_id=second, kind="skill_level", level="四级/中级工", occupation_name="电工"),
        {
            **record_body(w, person_id=None, learner_id=w["learner"], holder_org_id=w["school"]),
            "recorded": True,
        },
        issue_body(w, kind="skill_level"),  # no level: 422 naming it
        issue_body(w, learner_id=w["other_learner"]),  # another organization's learner: not found
    ]
    r = await school.post(BATCH, json={"items": items})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["committed"], body["created"], body["failed"]) == (True, 3, 2), body["results"][2]
    assert [x["status"] for x in body["results"]] == [201, 201, 201, 422, 404]
    assert body["results"][3]["problem"]["errors"][0]["loc"] == ["body", "items", 3, "level"]
    assert body["results"][4]["problem"]["type"].endswith("learner-not-found")
    assert "Server-Timing" in r.headers
    # nothing was written for the failed items; the written ones read back as the single routes give them
    assert await _count(database, [i["number"] for i in items[3:]]) == 0
    got = (await school.get(f"/v1/certificates/{body['results'][1]['id']}")).json()
    assert (got["kind"], got["level"], got["recorded"], got["issuer_name"], got["holder_name"]) == (
        "skill_level",
        "四级/中级工",
        False,
        (await tp.admin.get(f"/v1/organizations/{w['school']}")).json()["name"],
        "张学员",
    )
    rec = (await school.get(f"/v1/certificates/{body['results'][2]['id']}")).json()
    assert (rec["recorded"], rec["issuer_name"], rec["issuer_authority"]) == (
        True,
        "潍坊市应急管理局",
        "emergency_management",
    )
    # the special-operations defaults apply as for a single record (valid 6 years, review every 3)
    assert (rec["valid_until"], rec["next_review_on"]) == ("2030-03-15", "2027-03-15")
    # one audit row and one event per certificate, as for the single routes
    ids = [uuid.UUID(x["id"]) for x in body["results"][:3]]
    events = await sql(
        database, "select type, payload from training.outbox where aggregate_id = any($1) order by type", ids
    )
    assert sorted(e["type"] for e in events) == ["certificate.issued", "certificate.issued", "certificate.recorded"]
    audits = await sql(database, "select action, diff from training.audit_log where entity_id = any($1)", ids)
    assert [a["action"] for a in audits] == ["create"] * 3
    assert "holder_name" not in audits[0]["diff"]


async def test_numbers_unique_per_issuer_in_the_batch_and_against_the_table(tp, w, database):
    school = tp.as_org(w["school"])
    taken = (await issue(tp, w))["number"]
    twice = number()
    items = [
        issue_body(w, number=taken),
        issue_body(w, number=twice),
        issue_body(w, number=twice),
        # the same number from another issuer (an outside authority, recorded) is another certificate
        {
            **record_body(w, number=twice, person_id=None, learner_id=w["learner"], holder_org_id=w["school"]),
            "recorded": True,
        },
    ]
    r = await school.post(BATCH, json={"items": items}, headers={"Accept-Language": "en"})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == [409, 201, 409, 201]
    for failed in (results[0], results[2]):
        assert failed["problem"]["type"].endswith("certificate-number-taken")
        assert failed["problem"]["errors"][0]["loc"][-1] == "number"
    assert "twice in this batch" in results[2]["problem"]["detail"]
    assert await _count(database, [taken]) == 1 and await _count(database, [twice]) == 2


async def test_replay_and_atomic(tp, w, database):
    school = tp.as_org(w["school"])
    items = [issue_body(w), issue_body(w)]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await school.post(BATCH, json={"items": items}, headers=key)
    again = await school.post(BATCH, json={"items": items}, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert await _count(database, [i["number"] for i in items]) == 2

    bad = [issue_body(w), issue_body(w, issued_on="2999-01-01")]
    r = await school.post(BATCH, params={"atomic": "true"}, json={"items": bad})
    assert r.status_code == 422, r.text
    assert [x["status"] for x in r.json()["results"]] == [424, 422]
    assert await _count(database, [i["number"] for i in bad]) == 0


async def test_another_organizations_issuer_is_refused_for_the_whole_batch(tp, w, database):
    items = [issue_body(w), issue_body(w, issuer_org_id=w["other"], learner_id=w["other_learner"])]
    r = await tp.as_org(w["school"]).post(BATCH, json={"items": items})
    assert r.status_code == 403, r.text
    assert await _count(database, [i["number"] for i in items]) == 0


async def test_a_replacement_is_not_a_batch_item(tp, w):
    old = await issue(tp, w)
    r = await tp.as_org(w["school"]).post(BATCH, json={"items": [issue_body(w, replaces_id=old["id"])]})
    assert r.status_code == 200
    result = r.json()["results"][0]
    assert result["status"] == 422 and result["problem"]["errors"][0]["loc"] == ["body", "items", 0, "replaces_id"]


async def test_a_batch_created_certificate_verifies(tp, w, database):
    school = tp.as_org(w["school"])
    r = await school.post(BATCH, json={"items": [issue_body(w)]})
    cid = r.json()["results"][0]["id"]
    cert = (await school.get(f"/v1/certificates/{cid}")).json()
    assert cert["verification_code"] and cert["verification_url"].endswith(cert["verification_code"])
    # signed lazily: no signed body until the first verification
    (row,) = await sql(
        database, "select body from training.certificate_verifications where certificate_id = $1", uuid.UUID(cid)
    )
    assert row["body"] is None
    v = await tp.anonymous.get("/v1/certificates/verify", params={"code": cert["verification_code"]})
    assert v.status_code == 200, v.text
    answer = v.json()
    assert answer["status"] == "valid" and answer["number"] == cert["number"]
    assert answer["holder_name_masked"] == "张*员"


async def test_a_batch_writes_what_the_single_route_writes(tp, w, database):
    """The batch builds its audit diff, event payload and verification snapshot in SQL: the same as the single
    issue builds in Python, for the same certificate."""
    school = tp.as_org(w["school"])
    single = await issue(tp, w, kind="skill_level", level="三级/高级工", occupation_code="6-31-01-03")
    body = issue_body(w, kind="skill_level", level="三级/高级工", occupation_code="6-31-01-03")
    r = await school.post(BATCH, json={"items": [body]})
    batched = r.json()["results"][0]["id"]

    async def written(cid: str, number: str) -> tuple:
        key = uuid.UUID(cid)
        (audit,) = await sql(database, "select diff::text from training.audit_log where entity_id = $1", key)
        (event,) = await sql(database, "select type, payload::text from training.outbox where aggregate_id = $1", key)
        (ver,) = await sql(
            database, "select snapshot::text from training.certificate_verifications where certificate_id = $1", key
        )
        same = [audit["diff"], event["payload"], ver["snapshot"]]
        return event["type"], *(text.replace(cid, "ID").replace(number, "NUMBER") for text in same)

    assert await written(batched, body["number"]) == await written(single["id"], single["number"])


async def test_staff_certificates_recorded_in_a_batch(tp, w, database):
    # seed 000「应急局特种作业…市场监督管理局特种设备作业」: an enterprise records its staff's certificates in one go
    enterprise = tp.as_org(w["enterprise"])
    items = [
        {**record_body(w), "recorded": True},
        {**record_body(w, person_id=w["teacher"]), "recorded": True},  # the school's person, not the enterprise's
        {**record_body(w), "recorded": True, "issuer_authority": "platform_org"},  # needs issuer_org_id
    ]
    r = await enterprise.post(BATCH, json={"items": items}, headers={"Accept-Language": "en"})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == [201, 422, 422]
    assert results[1]["problem"]["errors"][0]["loc"] == ["body", "items", 1, "person_id"]
    assert results[1]["problem"]["errors"][0]["type"] == "person_not_found"
    assert results[2]["problem"]["errors"][0]["loc"] == ["body", "items", 2, "issuer_org_id"]
    got = (await enterprise.get(f"/v1/certificates/{results[0]['id']}")).json()
    assert (got["person_id"], got["holder_name"], got["recorded"]) == (w["worker"], "王建华", True)
    assert await _count(database, [i["number"] for i in items[1:]]) == 0
