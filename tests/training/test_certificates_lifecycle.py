"""`/v1/certificates`: a certificate's life — issue, review (复审), suspend, reinstate, revoke — with its status and
history at each step; reviews per the kind's rule; the replacement chain seen from both ends; the audit rows, events
and verification record each write leaves."""

import hashlib
import uuid
from datetime import timedelta

import pytest

from chanjiao.dates import today
from services.training.certificates.rules import add_years
from tests.training.certificate_support import ISSUE, iso, issue, new_world, record
from tests.training.practice_support import sql


@pytest.fixture(scope="module")
async def w(tp, database):
    return await new_world(tp, database)


async def test_issue_review_suspend_reinstate_revoke(tp, w, database):
    enterprise = tp.as_org(w["enterprise"], "org_staff")
    issued_on = add_years(today(), -2)
    # seed 000「应急局特种作业…」: a 特种作业操作证 held by the enterprise's staff member, valid 6 years, 复审 every 3
    cert = await record(tp, w, issued_on=iso(issued_on))
    cid = cert["id"]
    assert cert["status"] == "valid" and cert["status_label"] == "有效"
    assert cert["valid_until"] == iso(add_years(issued_on, 6))
    assert cert["next_review_on"] == iso(add_years(issued_on, 3))
    assert (cert["holder_name"], cert["version"]) == ("王建华", 1)

    # 复审 passed today: the next review moves three years on from the review day
    r = await enterprise.post(f"/v1/certificates/{cid}/reviews", json={"reviewed_on": iso(today()), "result": "pass"})
    assert r.status_code == 201, r.text
    assert r.json()["next_due_on"] == iso(add_years(today(), 3))
    assert r.json()["certificate"]["next_review_on"] == iso(add_years(today(), 3))
    assert r.json()["certificate"]["valid_until"] == cert["valid_until"]  # not renewed by its review
    assert r.json()["certificate"]["version"] == 2

    r = await enterprise.post(
        f"/v1/certificates/{cid}/suspension", json={"reason": "违规操作，暂扣"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 412, r.text  # a stale ETag
    r = await enterprise.post(
        f"/v1/certificates/{cid}/suspension", json={"reason": "违规操作，暂扣"}, headers={"If-Match": '"2"'}
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["status"], got["status_label"], got["status_reason"]) == ("suspended", "已暂停", "违规操作，暂扣")
    assert got["status_changed_on"] == iso(today()) and got["version"] == 3

    r = await enterprise.post(f"/v1/certificates/{cid}/reinstatement", json={"reason": "整改完成"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_reason"]) == ("valid", None)

    r = await enterprise.post(f"/v1/certificates/{cid}/revocation", json={"reason": "证书持有人违规操作导致事故"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_label"]) == ("revoked", "已撤销")
    assert r.json()["status_reason"] == "证书持有人违规操作导致事故"

    # revoked is final: every action is 409, naming what is allowed (nothing)
    for action in ("revocation", "suspension", "reinstatement"):
        r = await enterprise.post(f"/v1/certificates/{cid}/{action}", json={"reason": "再试一次"})
        assert r.status_code == 409, r.text
        assert r.json()["allowed_actions"] == [] and r.json()["type"].endswith("certificate-action-not-allowed")
    r = await enterprise.post(f"/v1/certificates/{cid}/reviews", json={"reviewed_on": iso(today()), "result": "pass"})
    assert r.status_code == 409, r.text

    history = (await enterprise.get(f"/v1/certificates/{cid}/status-changes")).json()["items"]
    assert [(h["action"], h["from_status"], h["to_status"]) for h in history] == [
        ("suspension", "active", "suspended"),
        ("reinstatement", "suspended", "active"),
        ("revocation", "active", "revoked"),
    ]
    assert [h["reason"] for h in history] == ["违规操作，暂扣", "整改完成", "证书持有人违规操作导致事故"]
    reviews = (await enterprise.get(f"/v1/certificates/{cid}/reviews")).json()["items"]
    assert [(x["reviewed_on"], x["result"]) for x in reviews] == [(iso(today()), "pass")]

    final = (await enterprise.get(f"/v1/certificates/{cid}")).json()
    assert (final["status"], final["version"]) == ("revoked", 5)
    events = await sql(
        database, "select type from training.outbox where aggregate_id = $1 order by seq", uuid.UUID(cid)
    )
    assert [e["type"] for e in events] == [
        "certificate.recorded",
        "certificate.reviewed",
        "certificate.suspended",
        "certificate.reinstated",
        "certificate.revoked",
    ]
    audits = await sql(
        database, "select action, diff::text from training.audit_log where entity_id = $1", uuid.UUID(cid)
    )
    assert [a["action"] for a in audits] == ["create", "review", "suspension", "reinstatement", "revocation"]
    assert all("王建华" not in a["diff"] for a in audits)  # the holder's name stays out of the audit trail


async def test_suspended_state_allows_revocation_and_reinstatement_only(tp, w):
    school = tp.as_org(w["school"])
    cid = (await issue(tp, w))["id"]
    assert (await school.post(f"/v1/certificates/{cid}/suspension", json={"reason": "核查中"})).status_code == 200
    r = await school.post(f"/v1/certificates/{cid}/suspension", json={"reason": "再次暂停"})
    assert r.status_code == 409 and r.json()["allowed_actions"] == ["revocation", "reinstatement"]
    r = await school.post(f"/v1/certificates/{cid}/reinstatement", json={"reason": "核查无误"})
    assert r.status_code == 200
    r = await school.post(f"/v1/certificates/{cid}/reinstatement", json={"reason": "再次恢复"})
    assert r.status_code == 409 and r.json()["allowed_actions"] == ["suspension", "revocation"]


async def test_a_failed_review_suspends_a_special_operations_certificate_until_a_passed_one(tp, w):
    enterprise = tp.as_org(w["enterprise"])
    cid = (await record(tp, w, issued_on=iso(add_years(today(), -3))))["id"]
    r = await enterprise.post(f"/v1/certificates/{cid}/reviews", json={"reviewed_on": iso(today()), "result": "fail"})
    assert r.status_code == 201, r.text
    got = r.json()["certificate"]
    assert (got["status"], got["status_reason"]) == ("suspended", "复审不合格")
    r = await enterprise.post(f"/v1/certificates/{cid}/reviews", json={"reviewed_on": iso(today()), "result": "pass"})
    assert r.status_code == 201, r.text
    assert (r.json()["certificate"]["status"], r.json()["certificate"]["status_reason"]) == ("valid", None)
    history = (await enterprise.get(f"/v1/certificates/{cid}/status-changes")).json()["items"]
    assert [(h["action"], h["reason"]) for h in history] == [
        ("failed_review", "复审不合格"),
        ("reinstatement", "复审合格"),
    ]


async def test_a_passed_review_does_not_lift_a_suspension_by_action(tp, w):
    enterprise = tp.as_org(w["enterprise"])
    cid = (await record(tp, w, issued_on=iso(add_years(today(), -3))))["id"]
    assert (await enterprise.post(f"/v1/certificates/{cid}/suspension", json={"reason": "停工整顿"})).status_code == 200
    r = await enterprise.post(f"/v1/certificates/{cid}/reviews", json={"reviewed_on": iso(today()), "result": "pass"})
    assert r.status_code == 201, r.text
    assert r.json()["certificate"]["status"] == "suspended"


async def test_a_failed_review_expires_a_special_equipment_certificate(tp, w):
    # seed 000「市场监督管理局特种设备作业」: a 特种设备作业人员证, valid 4 years, renewed by its review
    enterprise = tp.as_org(w["enterprise"])
    issued_on = add_years(today(), -4) + timedelta(days=30)
    body = {"kind": "special_equipment", "issuer_name": "潍坊市市场监督管理局", "issuer_authority": "market_regulation"}
    cert = await record(tp, w, issued_on=iso(issued_on), occupation_name="叉车司机", **body)
    assert cert["valid_until"] == cert["next_review_on"] == iso(add_years(issued_on, 4))
    passed = await record(tp, w, issued_on=iso(issued_on), occupation_name="叉车司机", **body)

    r = await enterprise.post(
        f"/v1/certificates/{passed['id']}/reviews",
        json={"reviewed_on": iso(today()), "result": "pass", "next_due_on": iso(add_years(today(), 4))},
    )
    assert r.status_code == 201, r.text
    renewed = r.json()["certificate"]
    assert renewed["valid_until"] == renewed["next_review_on"] == iso(add_years(today(), 4))

    r = await enterprise.post(
        f"/v1/certificates/{cert['id']}/reviews", json={"reviewed_on": iso(today()), "result": "fail"}
    )
    assert r.status_code == 201, r.text
    failed = r.json()["certificate"]
    # the stored status stays active: it is valid until the end of the review day, expired from the next
    assert failed["valid_until"] == iso(today()) and failed["status"] == "expiring"
    tomorrow = await enterprise.get(f"/v1/certificates/{cert['id']}", params={"as_of": iso(today() + timedelta(1))})
    assert tomorrow.json()["status"] == "expired"
    assert (await enterprise.get(f"/v1/certificates/{cert['id']}/status-changes")).json()["items"] == []


async def test_reviews_only_for_kinds_with_reviews_and_dates_in_order(tp, w):
    school = tp.as_org(w["school"])
    cid = (await issue(tp, w))["id"]
    r = await school.post(f"/v1/certificates/{cid}/reviews", json={"reviewed_on": iso(today()), "result": "pass"})
    assert r.status_code == 422 and r.json()["type"].endswith("certificate-not-reviewed"), r.text
    enterprise = tp.as_org(w["enterprise"])
    rid = (await record(tp, w))["id"]
    cases = [
        ({"reviewed_on": iso(today() + timedelta(1)), "result": "pass"}, "reviewed_on", "future"),
        ({"reviewed_on": "2020-01-01", "result": "pass"}, "reviewed_on", "effective_on"),
        ({"reviewed_on": iso(today()), "result": "pass", "next_due_on": iso(today())}, "next_due_on", "review_date"),
        ({"reviewed_on": iso(today()), "result": "fail", "next_due_on": "2030-01-01"}, "next_due_on", "not_on_fail"),
        ({"reviewed_on": iso(today()), "result": "maybe"}, "result", "literal_error"),
    ]
    for body, field, rule in cases:
        r = await enterprise.post(f"/v1/certificates/{rid}/reviews", json=body)
        assert r.status_code == 422, (body, r.text)
        assert (r.json()["errors"][0]["loc"][-1], r.json()["errors"][0]["type"]) == (field, rule), r.text


async def test_replacement_chain_is_visible_from_both_ends(tp, w, database):
    school = tp.as_org(w["school"])
    old = await issue(tp, w, kind="skill_level_1x", level="初级", occupation_name="工业机器人操作与运维")
    new = await issue(
        tp, w, kind="skill_level_1x", level="中级", occupation_name="工业机器人操作与运维", replaces_id=old["id"]
    )
    assert (new["replaces_id"], new["replaced_by_id"]) == (old["id"], None)
    seen_old = (await school.get(f"/v1/certificates/{old['id']}")).json()
    # the old one stays as it is (valid, same number and level) and shows what replaced it
    assert seen_old["replaced_by_id"] == new["id"]
    assert (seen_old["status"], seen_old["level"], seen_old["number"]) == ("valid", "初级", old["number"])
    listed = (await school.get(ISSUE, params={"learner_id": w["learner"], "limit": 500})).json()["items"]
    by_id = {i["id"]: i for i in listed}
    assert by_id[old["id"]]["replaced_by_id"] == new["id"] and by_id[new["id"]]["replaces_id"] == old["id"]

    # each certificate is replaced at most once
    r = await school.post(ISSUE, json={**_body(w), "replaces_id": old["id"]})
    assert r.status_code == 409 and r.json()["type"].endswith("certificate-already-replaced"), r.text
    # the same holder only, and a certificate of the holder organization only
    other_learner = await _learner(tp, database, w["school"])
    r = await school.post(ISSUE, json={**_body(w), "learner_id": other_learner, "replaces_id": new["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "other_holder", r.text
    foreign = await record(tp, w)
    r = await school.post(ISSUE, json={**_body(w), "replaces_id": foreign["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "replaces_id"], r.text


def _body(w):
    from tests.training.certificate_support import issue_body

    return issue_body(w)


async def _learner(tp, database, org):
    from tests.training.practice_support import new_learner

    return await new_learner(tp, database, org)


async def test_the_verification_record_is_written_with_the_certificate_and_reset_by_a_change(tp, w, database):
    cert = await issue(tp, w)
    code = cert["verification_code"]
    assert len(code) >= 22  # ≥ 128 bits, base64url
    settings = tp.platform.upstreams["training"].app.state.settings
    assert cert["verification_url"].startswith(settings.public_base_url.rstrip("/") + "/v1/certificates/verify?code=")
    rows = await sql(
        database,
        "select code_hash, snapshot->>'holder_name_masked' as masked from training.certificate_verifications "
        "where certificate_id = $1",
        uuid.UUID(cert["id"]),
    )
    assert rows[0]["code_hash"] == hashlib.sha256(code.encode()).digest()
    assert rows[0]["masked"] == "张*员"
    await sql(
        database,
        "update training.certificate_verifications set body = 'x', signed_status = 'valid' where certificate_id = $1",
        uuid.UUID(cert["id"]),
    )
    r = await tp.as_org(w["school"]).post(f"/v1/certificates/{cert['id']}/revocation", json={"reason": "信息有误"})
    assert r.status_code == 200, r.text
    assert r.json()["verification_code"] == code  # the code stays; the signed answer is built again
    rows = await sql(
        database,
        "select body, signed_status from training.certificate_verifications where certificate_id = $1",
        uuid.UUID(cert["id"]),
    )
    assert (rows[0]["body"], rows[0]["signed_status"]) == (None, None)
