"""`POST /v1/certificates` and `/v1/certificates/records`: issued vs recorded certificates, the holder rules, the
number unique per issuer, and bad input answered 4xx naming the field (in Chinese, or English on request)."""

import random
import string
import uuid

import pytest

from chanjiao.dates import today
from tests.training.certificate_support import (
    ISSUE,
    RECORD,
    iso,
    issue,
    issue_body,
    new_world,
    number,
    record,
    record_body,
)
from tests.training.practice_support import sql


@pytest.fixture(scope="module")
async def w(tp, database):
    return await new_world(tp, database)


async def test_recorded_certificates_of_outside_authorities(tp, w, database):
    # seed 000「应急局特种作业…市场监督管理局特种设备作业」: the enterprise records its staff's 特种作业操作证 and
    # 特种设备作业人员证, issued by the outside authorities, not by the platform
    ops = await record(tp, w, occupation_name="电工作业", evidence="扫描件：档案柜 A-12")
    assert (ops["recorded"], ops["issuer_name"], ops["issuer_authority"]) == (
        True,
        "潍坊市应急管理局",
        "emergency_management",
    )
    assert (ops["issuer_authority_label"], ops["issuer_org_id"], ops["holder_org_id"]) == (
        "应急管理部门",
        None,
        w["enterprise"],
    )
    assert (ops["evidence"], ops["kind_label"]) == ("扫描件：档案柜 A-12", "特种作业操作证")
    equipment = await record(
        tp,
        w,
        kind="special_equipment",
        issuer_name="潍坊市市场监督管理局",
        issuer_authority="market_regulation",
        occupation_name="叉车司机",
        issued_on="2024-05-10",
    )
    assert (equipment["valid_until"], equipment["next_review_on"]) == ("2028-05-10", "2028-05-10")

    # seed 000「已有 165 名学生获得 1+X 证书」: the school records its students' 1+X certificates, issued by a
    # 培训评价组织 (on the platform or not)
    evaluator = await tp.new_org("enterprise", name=f"培训评价组织{uuid.uuid4().hex[:4]}")
    school = tp.as_org(w["school"], "org_staff")
    one_x = record_body(
        w,
        kind="skill_level_1x",
        level="初级",
        learner_id=w["learner"],
        person_id=None,
        holder_org_id=w["school"],
        issuer_name="北京新奥时代科技有限责任公司",
        issuer_authority="evaluation_org",
        issuer_org_id=evaluator,
        occupation_name="工业机器人操作与运维",
    )
    r = await school.post(RECORD, json=one_x)
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["recorded"], got["issuer_org_id"], got["holder_org_id"], got["holder_name"]) == (
        True,
        evaluator,
        w["school"],
        "张学员",
    )
    events = await sql(database, "select type from training.outbox where aggregate_id = $1", uuid.UUID(got["id"]))
    assert [e["type"] for e in events] == ["certificate.recorded"]
    issued = await issue(tp, w)
    assert issued["recorded"] is False and issued["issuer_authority"] == "platform_org"
    events = await sql(database, "select type from training.outbox where aggregate_id = $1", uuid.UUID(issued["id"]))
    assert [e["type"] for e in events] == ["certificate.issued"]
    listed = await school.get(ISSUE, params={"recorded": "true", "learner_id": w["learner"]})
    assert [i["id"] for i in listed.json()["items"]] == [got["id"]]


async def test_issued_certificates_carry_the_issuer_name_and_kind_defaults(tp, w):
    cert = await issue(tp, w, kind="skill_level", level="三级/高级工", issued_on="2024-02-29")
    assert (
        cert["issuer_name"].startswith("潍坊职业学院") and cert["issuer_org_id"] == cert["holder_org_id"] == w["school"]
    )
    assert (cert["valid_until"], cert["next_review_on"], cert["kind_label"]) == (None, None, "职业技能等级证书")
    staff = await issue(tp, w, learner_id=None, person_id=w["teacher"], kind="other", valid_until="2027-01-01")
    assert (staff["person_id"], staff["learner_id"], staff["holder_name"]) == (w["teacher"], None, "刘老师")
    assert staff["valid_until"] == "2027-01-01"


async def test_the_number_is_unique_per_issuer(tp, w):
    school = tp.as_org(w["school"])
    n = number()
    assert (await school.post(ISSUE, json=issue_body(w, number=n))).status_code == 201
    r = await school.post(ISSUE, json=issue_body(w, number=n))
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["type"].endswith("certificate-number-taken") and problem["field"] == "number"
    assert problem["errors"][0]["loc"] == ["body", "number"]
    # another issuer may use the same number
    other = await tp.as_org(w["other"]).post(
        ISSUE, json=issue_body(w, number=n, issuer_org_id=w["other"], learner_id=w["other_learner"])
    )
    assert other.status_code == 201, other.text
    # recorded: unique per outside issuer within the recording organization
    enterprise = tp.as_org(w["enterprise"])
    assert (await enterprise.post(RECORD, json=record_body(w, number=n))).status_code == 201
    r = await enterprise.post(RECORD, json=record_body(w, number=n), headers={"Accept-Language": "en"})
    assert r.status_code == 409 and r.json()["title"] == "Certificate number taken", r.text
    assert (
        await enterprise.post(RECORD, json=record_body(w, number=n, issuer_name="济南市应急管理局"))
    ).status_code == 201


async def test_the_holder_is_the_holder_organizations_own(tp, w):
    school = tp.as_org(w["school"])
    # another organization's learner does not exist for the school
    r = await school.post(ISSUE, json=issue_body(w, learner_id=w["other_learner"]))
    assert r.status_code == 404 and r.json()["type"].endswith("learner-not-found"), r.text
    # a person of another organization
    r = await school.post(ISSUE, json=issue_body(w, learner_id=None, person_id=w["worker"]))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "person_not_found", r.text
    # the platform admin issues for the school, still to the school's own learner only
    r = await tp.admin.post(ISSUE, json=issue_body(w, issuer_org_id=w["other"]))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "learner_not_of_holder", r.text
    r = await tp.admin.post(ISSUE, json=issue_body(w))
    assert r.status_code == 201, r.text
    # issuing in another organization's name is 403
    r = await school.post(ISSUE, json=issue_body(w, issuer_org_id=w["other"], learner_id=w["other_learner"]))
    assert r.status_code == 403, r.text


async def test_programme_must_be_the_issuers(tp, w):
    alliance = await tp.new_alliance()
    body = {
        "name": "工业机器人 1+X 培训",
        "alliance_id": alliance,
        "provider_org_id": w["school"],
        "kind": "upskilling",
        "start_on": "2024-03-01",
        "end_on": "2024-06-30",
    }
    r = await tp.admin.post("/v1/programmes", json=body)
    if r.status_code != 201:
        pytest.fail(r.text)
    programme = r.json()["id"]
    assert (await issue(tp, w, programme_id=programme))["programme_id"] == programme
    r = await tp.as_org(w["enterprise"]).post(RECORD, json=record_body(w, programme_id=programme))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "programme_not_of_issuer", r.text
    r = await tp.as_org(w["school"]).post(ISSUE, json=issue_body(w, programme_id=str(uuid.uuid4())))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "programme_id"], r.text


BAD = [
    ({"kind": "skill_level_1x"}, "level", "required"),
    ({"kind": "skill_level_1x", "level": "特级"}, "level", "level"),
    ({"kind": "skill_level", "level": "中级"}, "level", "level"),
    ({"valid_until": "2024-06-29"}, "valid_until", "validity"),
    ({"next_review_on": "2027-01-01"}, "next_review_on", "no_reviews"),
    ({"person_id": str(uuid.uuid4())}, "learner_id", "holder"),
    ({"learner_id": None}, "learner_id", "holder"),
    ({"kind": "diploma"}, "kind", "enum"),
    ({"number": "   "}, "number", "required"),
    ({"number": "A\x01B"}, "number", "charset"),
    ({"issued_on": "2024/06/30"}, "issued_on", "date_type"),
    ({"issued_on": "2999-01-01"}, "issued_on", "range"),
    ({"issued_on": "1900-01-01", "valid_until": "1901-01-01"}, "issued_on", "range"),
    ({"valid_until": None}, "valid_until", "not_null"),
    ({"status": "valid"}, "status", "extra_forbidden"),
    ({"occupation_name": "电" * 101}, "occupation_name", "length"),
]


@pytest.mark.parametrize(("change", "field", "rule"), BAD, ids=[f"{f}-{r}" for _, f, r in BAD])
async def test_bad_input_is_422_naming_the_field(tp, w, change, field, rule):
    r = await tp.as_org(w["school"]).post(ISSUE, json=issue_body(w, **change))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = {(e["loc"][-1], e["type"]) for e in r.json()["errors"]}
    assert (field, rule) in errors, r.text


async def test_bad_input_in_english_and_on_records(tp, w):
    r = await tp.as_org(w["enterprise"]).post(
        RECORD,
        json=record_body(w, issuer_authority="platform_org"),
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0] == {
        "loc": ["body", "issuer_org_id"],
        "msg": "An issuer on the platform needs issuer_org_id",
        "type": "required",
    }
    r = await tp.as_org(w["enterprise"]).post(RECORD, json=record_body(w, issuer_org_id=str(uuid.uuid4())))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "organization_not_found", r.text
    r = await tp.as_org(w["school"]).post(
        f"/v1/certificates/{(await issue(tp, w))['id']}/revocation", json={"reason": " "}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "reason"], r.text
    cid = (await issue(tp, w))["id"]
    r = await tp.as_org(w["school"]).post(
        f"/v1/certificates/{cid}/suspension", json={"reason": "核查", "effective_on": "2099-01-01"}
    )
    assert (r.status_code, r.json()["errors"][0]["type"]) == (422, "future"), r.text
    r = await tp.as_org(w["school"]).post(
        f"/v1/certificates/{cid}/suspension", json={"reason": "核查", "effective_on": "2024-06-01"}
    )
    assert (r.status_code, r.json()["errors"][0]["loc"]) == (422, ["body", "effective_on"]), r.text
    r = await tp.as_org(w["school"]).post(
        f"/v1/certificates/{cid}/suspension", json={"reason": "核查", "effective_on": iso(today())}
    )
    assert r.status_code == 200 and r.json()["status_changed_on"] == iso(today())


async def test_fuzzed_bodies_are_never_a_server_error(tp, w, database):
    rng = random.Random(14)
    school = tp.as_org(w["school"])
    alphabet = string.printable + "中文证书\x00\u200b"
    fields = ["kind", "number", "level", "occupation_name", "occupation_code", "issued_on", "valid_until", "learner_id"]
    before = (await sql(database, "select count(*) from training.certificates"))[0][0]
    for _ in range(40):
        body = issue_body(w)
        for name in rng.sample(fields, 2):
            body[name] = rng.choice(
                ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))), rng.randint(-5, 5), None, [], {}]
            )
        r = await school.post(ISSUE, json=body)
        assert r.status_code in (201, 404, 409, 422), r.text
        if r.status_code != 201:
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "\x00" not in r.text
    created = (await sql(database, "select count(*) from training.certificates"))[0][0] - before
    listed = await school.get(ISSUE, params={"limit": 500, "org_id": w["school"]})
    assert created <= len(listed.json()["items"])
