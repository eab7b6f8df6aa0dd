"""`/v1/appraisals`: a skill appraisal batch issues exactly its passing candidates' certificates, each verifiable
publicly, in the batch's transaction; a batch with one bad candidate is refused whole, naming the candidate's field;
the batch reads back with its candidates, privately to the appraising organization."""

import json

import pytest

from tests.training.appraisal_support import APPRAISALS, batch, candidate, learners, number, record_batch
from tests.training.certificate_support import ISSUE
from tests.training.practice_support import sql

VERIFY = "/v1/certificates/verify"
BATCHES = "select count(*) from training.appraisals where org_id = $1"
EVENTS = (
    "select count(*) from training.outbox where payload->>'org_id' = $1::text or payload->>'holder_org_id' = $1::text"
)


@pytest.fixture(scope="module")
async def w(tp):
    enterprise = await tp.new_org("enterprise", name="潍柴动力测试")
    other = await tp.new_org("enterprise")
    return {
        "enterprise": enterprise,
        "other": other,
        "staff": await learners(tp, enterprise, "张三明", "李四", "王五", "赵六"),
        "outsider": (await learners(tp, other, "外单位学员"))[0],
    }


async def _count(database, statement: str, *args) -> int:
    return (await sql(database, statement, *args))[0][0]


async def test_a_batch_issues_exactly_the_passers_certificates(tp, w, database):
    # seed 003「支持先进制造业企业自主开展职业技能等级认定」: the enterprise appraises its own staff's skill level and
    # issues the certificates of those who pass
    zhang, li, wang, zhao = w["staff"]
    numbers = [number(), number()]
    body = batch(
        w["enterprise"],
        [
            candidate(zhang, "pass", 86.5, certificate_number=numbers[0]),
            candidate(li, "fail", 52),
            candidate(wang, "pass", 90, certificate_number=numbers[1]),
            candidate(zhao, "absent"),
        ],
    )
    client = tp.as_org(w["enterprise"], "org_staff")
    r = await client.post(APPRAISALS, json=body, headers={"Idempotency-Key": "appraisal-batch-1"})
    assert r.status_code == 201, r.text
    got = r.json()
    assert r.headers["location"] == f"{APPRAISALS}/{got['id']}"
    assert (got["sat"], got["passed"], got["failed"], got["absent"], got["pass_rate"]) == (3, 2, 1, 1, 0.6667)
    assert got["certificate_kind_label"] == "职业技能等级证书"
    assert [(c["learner_name"], c["result"], c["result_label"], c["score"]) for c in got["candidates"]] == [
        ("张三明", "pass", "合格", 86.5),
        ("李四", "fail", "不合格", 52.0),
        ("王五", "pass", "合格", 90.0),
        ("赵六", "absent", "缺考", None),
    ]
    issued = [c["certificate_id"] for c in got["candidates"]]
    assert issued[0] and issued[2] and issued[1] is None and issued[3] is None

    # The passers' certificates: issued by the enterprise on the appraisal day, naming the batch, verifiable.
    for cid, learner, num in ((issued[0], zhang, numbers[0]), (issued[2], wang, numbers[1])):
        cert = (await client.get(f"/v1/certificates/{cid}")).json()
        assert (cert["learner_id"], cert["number"], cert["appraisal_id"]) == (learner, num, got["id"])
        assert (cert["kind"], cert["level"], cert["issued_on"]) == ("skill_level", "四级/中级工", "2026-11-20")
        assert (cert["issuer_org_id"], cert["holder_org_id"], cert["recorded"]) == (
            w["enterprise"],
            w["enterprise"],
            False,
        )
        assert cert["occupation_name"] == "工业机器人系统运维员" and cert["status"] == "valid"
        answer = await tp.anonymous.get(VERIFY, params={"code": cert["verification_code"]})
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "valid" and answer.json()["number"] == num
    assert (
        await _count(
            database,
            "select count(*) from training.certificate_verifications where certificate_id = any($1::uuid[])",
            [issued[0], issued[2]],
        )
        == 2
    )
    # Nobody else got one: exactly two certificates name the batch, none for the failed or absent candidates.
    assert await _count(database, "select count(*) from training.certificates where appraisal_id = $1", got["id"]) == 2
    for learner in (li, zhao):
        page = (await client.get(ISSUE, params={"learner_id": learner})).json()
        assert page["items"] == []

    # The batch and the certificates were audited with their events.
    events = await sql(
        database,
        "select type from training.outbox where aggregate_id = any($1::uuid[]) order by type",
        [got["id"], issued[0], issued[2]],
    )
    assert [e["type"] for e in events] == ["appraisal.created", "certificate.issued", "certificate.issued"]
    payload = json.loads(
        (await sql(database, "select payload from training.outbox where aggregate_id = $1", got["id"]))[0][0]
    )
    assert (payload["passed"], payload["failed"], payload["absent"]) == (2, 1, 1)
    assert payload["candidates"] == [
        {"learner_id": zhang, "result": "pass", "certificate_id": issued[0]},
        {"learner_id": li, "result": "fail", "certificate_id": None},
        {"learner_id": wang, "result": "pass", "certificate_id": issued[2]},
        {"learner_id": zhao, "result": "absent", "certificate_id": None},
    ]
    assert "张三明" not in json.dumps(payload, ensure_ascii=False)  # ids only, never a name

    # A retry with the same key answers the same batch and issues nothing more.
    again = await client.post(APPRAISALS, json=body, headers={"Idempotency-Key": "appraisal-batch-1"})
    assert again.status_code == 201 and again.json()["id"] == got["id"]
    assert await _count(database, "select count(*) from training.appraisals where org_id = $1", w["enterprise"]) == 1

    # Read back: the same batch with its candidates in order.
    one = await client.get(f"{APPRAISALS}/{got['id']}")
    assert one.status_code == 200 and one.headers["etag"].startswith('"1')
    assert one.json() == got


async def test_one_bad_candidate_refuses_the_whole_batch(tp, w, database):
    zhang, li, wang, _ = w["staff"]
    client = tp.as_org(w["enterprise"])
    taken = number()
    r = await client.post(
        ISSUE,
        json={
            "kind": "completion",
            "number": taken,
            "learner_id": zhang,
            "issuer_org_id": w["enterprise"],
            "occupation_name": "钳工",
            "issued_on": "2024-06-30",
        },
    )
    assert r.status_code == 201, r.text
    first = number()
    batches = await _count(database, BATCHES, w["enterprise"])
    events = await _count(database, EVENTS, w["enterprise"])
    before = await _count(
        database, "select count(*) from training.certificates where holder_org_id = $1", w["enterprise"]
    )

    # The third candidate's number is taken by a certificate the enterprise issued before: 409 naming it, and the
    # first candidate's certificate — written before the refusal — is not kept either.
    body = batch(
        w["enterprise"],
        [
            candidate(li, "pass", certificate_number=first),
            candidate(wang, "fail"),
            candidate(zhang, "pass", certificate_number=taken),
        ],
    )
    r = await client.post(APPRAISALS, json=body)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("certificate-number-taken")
    assert r.json()["errors"][0]["loc"] == ["body", "candidates", 2, "certificate_number"]
    assert "candidates[2]" in r.json()["detail"]

    # A learner of another organization: 404 naming the candidate, as if the learner did not exist.
    body = batch(w["enterprise"], [candidate(li, "pass", certificate_number=first), candidate(w["outsider"], "fail")])
    r = await client.post(APPRAISALS, json=body, headers={"Accept-Language": "en"})
    assert r.status_code == 404, r.text
    assert r.json()["type"].endswith("learner-not-found")
    assert r.json()["errors"] == [
        {
            "loc": ["body", "candidates", 1, "learner_id"],
            "msg": "No such learner of this organization",
            "type": "learner_not_found",
        }
    ]

    # Nothing of either batch was saved: no batch, no certificate, no event.
    assert (
        await _count(database, "select count(*) from training.certificates where holder_org_id = $1", w["enterprise"])
        == before
    )
    assert await _count(database, "select count(*) from training.certificates where number = $1", first) == 0
    assert await _count(database, BATCHES, w["enterprise"]) == batches
    assert await _count(database, EVENTS, w["enterprise"]) == events


async def test_bad_input_names_each_field_of_each_candidate(tp, w):
    zhang, li, wang, zhao = w["staff"]
    client = tp.as_org(w["enterprise"])
    dup = number()
    body = batch(
        w["enterprise"],
        [
            {"learner_id": zhang, "result": "pass"},
            candidate(li, "fail", certificate_number=number()),
            candidate(wang, "absent", 10),
            candidate(zhang, "pass", certificate_number=dup),
            candidate(zhao, "pass", certificate_number=dup),
        ],
        level="中级",
        appraised_on="2999-01-01",
    )
    r = await client.post(APPRAISALS, json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    found = {(tuple(e["loc"]), e["type"]) for e in r.json()["errors"]}
    assert found == {
        (("body", "level"), "level"),
        (("body", "appraised_on"), "range"),
        (("body", "candidates", 0, "certificate_number"), "required"),
        (("body", "candidates", 1, "certificate_number"), "pass_only"),
        (("body", "candidates", 2, "score"), "absent"),
        (("body", "candidates", 3, "learner_id"), "duplicate"),
        (("body", "candidates", 4, "certificate_number"), "duplicate"),
    }
    level = next(e for e in r.json()["errors"] if e["loc"] == ["body", "level"])
    assert level["msg"].startswith("职业技能等级证书的等级须为")  # Chinese by default

    # The 1+X kind has its own levels; a certificate kind without appraisals is refused by the schema.
    ok_1x = batch(w["enterprise"], [candidate(li, "fail")], certificate_kind="skill_level_1x", level="中级")
    assert (await client.post(APPRAISALS, json=ok_1x)).status_code == 201
    r = await client.post(
        APPRAISALS, json=batch(w["enterprise"], [candidate(li, "fail")], certificate_kind="completion")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "certificate_kind"]
    r = await client.post(APPRAISALS, json=batch(w["enterprise"], []))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "candidates"]
    r = await client.post(APPRAISALS, json=batch(w["enterprise"], [candidate(li, "fail")] * 1001))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "candidates"]
    assert r.json()["errors"][0]["type"] == "too_long"
    r = await client.post(APPRAISALS, json=batch(w["enterprise"], [candidate(li, "fail", 100.5)]))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "candidates", 0, "score"]


async def test_batches_are_private_to_the_appraising_organization(tp, w):
    zhang = w["staff"][0]
    mine = await record_batch(tp, w["enterprise"], [candidate(zhang, "fail", 40)], appraised_on="2025-06-01")
    other = tp.as_org(w["other"])
    # Another organization neither reads it nor names the enterprise as appraiser.
    assert (await other.get(f"{APPRAISALS}/{mine['id']}")).status_code == 404
    assert mine["id"] not in [a["id"] for a in (await other.get(APPRAISALS)).json()["items"]]
    r = await other.post(APPRAISALS, json=batch(w["enterprise"], [candidate(zhang, "fail")]))
    assert r.status_code == 403, r.text

    # The enterprise lists its batches (without candidates), filtered by day, and syncs them by token.
    client = tp.as_org(w["enterprise"], "org_staff")
    page = (await client.get(APPRAISALS, params={"appraised_from": "2025-06-01", "appraised_to": "2025-06-01"})).json()
    assert [a["id"] for a in page["items"]] == [mine["id"]] and "candidates" not in page["items"][0]
    token = page["sync_token"]
    newer = await record_batch(tp, w["enterprise"], [candidate(zhang, "fail", 45)], appraised_on="2025-07-01")
    pulled = (await client.get(APPRAISALS, params={"since_token": token})).json()
    assert [a["id"] for a in pulled["items"]] == [newer["id"]]
