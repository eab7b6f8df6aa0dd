"""The derived status of a certificate on given days (`as_of`), the list's `status` filter computed by the database
agreeing with each item's own status, incremental sync, and tenancy: a certificate is its holder organization's
alone (another tenant gets 404 on every route, and cannot issue for its learner)."""

import uuid
from datetime import date, timedelta

import pytest

from chanjiao.dates import today
from services.training.certificates.rules import Status, derive_status
from tests.training.certificate_support import ISSUE, iso, issue, issue_body, new_world, record

WINDOW = 90  # TrainingSettings.certificate_expiring_window_days (the default)


@pytest.fixture(scope="module")
async def w(tp, database):
    return await new_world(tp, database)


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        ("2020-01-01", "valid"),  # the day of issue
        ("2022-10-02", "valid"),  # 91 days before the review
        ("2022-10-03", "expiring"),  # 90 days before the 复审 due on 2023-01-01
        ("2023-01-01", "expiring"),  # the review's last day
        ("2023-01-02", "expired"),  # review missed: a 特种作业操作证 ends (rules.py, on_overdue_review)
    ],
)
async def test_a_special_operations_certificate_on_given_days(tp, w, as_of, status):
    cert = await w_memo(tp, w, "ops-2020", lambda: record(tp, w, issued_on="2020-01-01"))
    r = await tp.as_org(w["enterprise"]).get(f"/v1/certificates/{cert['id']}", params={"as_of": as_of})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_on"]) == (status, as_of)


@pytest.mark.parametrize(
    ("as_of", "status"),
    [("2024-06-30", "valid"), ("2026-04-01", "expiring"), ("2026-06-30", "expiring"), ("2026-07-01", "expired")],
)
async def test_a_certificate_with_an_expiry_on_given_days(tp, w, as_of, status):
    cert = await w_memo(
        tp, w, "1x-2026", lambda: issue(tp, w, kind="skill_level_1x", level="高级", valid_until="2026-06-30")
    )
    r = await tp.as_org(w["school"]).get(f"/v1/certificates/{cert['id']}", params={"as_of": as_of})
    assert r.json()["status"] == status, r.text


async def w_memo(tp, w, key, factory):
    if key not in w:
        w[key] = await factory()
    return w[key]


async def test_the_status_filter_is_the_derived_status(tp, database):
    """A population over the kinds and dates, listed as of several days: each `status=` page holds exactly the
    certificates whose own derived status is that one."""
    w = await new_world(tp, database)
    school = tp.as_org(w["school"])
    specs = [
        {"kind": "completion"},
        {"kind": "completion", "valid_until": "2025-12-31"},
        {"kind": "skill_level_1x", "level": "中级", "valid_until": "2027-03-01"},
        {"kind": "special_operations", "issued_on": "2021-05-01"},
        {"kind": "special_operations", "issued_on": "2023-11-15"},
        {"kind": "special_equipment", "issued_on": "2022-02-01"},
        {"kind": "special_equipment", "issued_on": "2024-12-20", "next_review_on": "2026-02-01"},
        {"kind": "other", "valid_until": "2024-08-01"},
    ]
    ids = []
    for i, spec in enumerate(specs):
        body = issue_body(w, **{"issued_on": "2024-06-30", **spec})
        r = await school.post(ISSUE, json=body)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
        if i == 5:  # one suspended, one revoked
            assert (
                await school.post(f"/v1/certificates/{ids[-1]}/suspension", json={"reason": "核查"})
            ).status_code == 200
        if i == 7:
            assert (
                await school.post(f"/v1/certificates/{ids[-1]}/revocation", json={"reason": "作废"})
            ).status_code == 200
    seen_statuses = set()
    for as_of in ("2024-07-01", "2025-10-15", "2026-01-15", "2026-12-15", "2030-01-01"):
        everything = (await school.get(ISSUE, params={"org_id": w["school"], "as_of": as_of, "limit": 500})).json()
        own = {i["id"]: i["status"] for i in everything["items"]}
        assert set(own) == set(ids)
        for item in everything["items"]:  # each item's status is rules.derive_status of its dates
            expected = derive_status(
                kind=item["kind"],
                stored={"suspended": "suspended", "revoked": "revoked"}.get(item["status"], "active"),
                valid_until=date.fromisoformat(item["valid_until"]) if item["valid_until"] else None,
                next_review_on=date.fromisoformat(item["next_review_on"]) if item["next_review_on"] else None,
                today=date.fromisoformat(as_of),
                window_days=WINDOW,
            )
            assert item["status"] == expected.value, (as_of, item)
        for status in Status:
            r = await school.get(ISSUE, params={"org_id": w["school"], "as_of": as_of, "status": status.value})
            assert r.status_code == 200, r.text
            assert {i["id"] for i in r.json()["items"]} == {k for k, v in own.items() if v == status.value}, (
                as_of,
                status,
            )
        seen_statuses |= set(own.values())
    assert seen_statuses == {s.value for s in Status}  # the population covers every status


async def test_list_filters_and_a_learners_certificates(tp, w, database):
    school = tp.as_org(w["school"])
    a = await issue(tp, w, issued_on="2023-01-10")
    b = await issue(tp, w, issued_on="2023-02-10", kind="competition_award")
    r = await school.get(ISSUE, params={"issued_from": "2023-01-01", "issued_to": "2023-01-31", "org_id": w["school"]})
    assert a["id"] in {i["id"] for i in r.json()["items"]} and b["id"] not in {i["id"] for i in r.json()["items"]}
    r = await school.get(ISSUE, params={"kind": "competition_award", "org_id": w["school"]})
    assert {i["id"] for i in r.json()["items"]} >= {b["id"]} and all(
        i["kind"] == "competition_award" for i in r.json()["items"]
    )
    mine = await school.get(f"/v1/learners/{w['learner']}/certificates", params={"limit": 500})
    assert mine.status_code == 200, mine.text
    assert {a["id"], b["id"]} <= {i["id"] for i in mine.json()["items"]}
    assert all(i["learner_id"] == w["learner"] for i in mine.json()["items"])
    r = await school.get(ISSUE, params={"status": "lapsed"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "status"]
    r = await school.get(ISSUE, params={"expired": "true"})
    assert r.status_code == 400
    r = await school.get(ISSUE, params={"as_of": "9999-12-31", "status": "expiring"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "as_of"], r.text


async def test_sync_brings_a_changed_certificate(tp, w):
    school = tp.as_org(w["school"])
    cert = await issue(tp, w)
    token = (await school.get(ISSUE, params={"limit": 1})).json()["sync_token"]
    assert (await school.post(f"/v1/certificates/{cert['id']}/suspension", json={"reason": "核查"})).status_code == 200
    r = await school.get(ISSUE, params={"since_token": token, "limit": 500})
    assert r.status_code == 200, r.text
    changed = {i["id"]: i for i in r.json()["items"]}
    assert changed[cert["id"]]["status"] == "suspended"
    # a replacement brings the replaced certificate again, now showing `replaced_by_id`
    token = r.json()["sync_token"]
    new = await issue(tp, w, replaces_id=cert["id"])
    r = await school.get(ISSUE, params={"since_token": token, "limit": 500})
    changed = {i["id"]: i for i in r.json()["items"]}
    assert changed[cert["id"]]["replaced_by_id"] == new["id"] and new["id"] in changed


async def test_another_tenant_neither_sees_nor_acts_on_a_certificate(tp, w):
    cert = await issue(tp, w)
    recorded = await record(tp, w)
    other = tp.as_org(w["other"])
    for cid in (cert["id"], recorded["id"]):
        assert (await other.get(f"/v1/certificates/{cid}")).status_code == 404
        assert (await other.get(f"/v1/certificates/{cid}/reviews")).status_code == 404
        assert (await other.get(f"/v1/certificates/{cid}/status-changes")).status_code == 404
        for action in ("revocation", "suspension", "reinstatement"):
            r = await other.post(f"/v1/certificates/{cid}/{action}", json={"reason": "越权"})
            assert r.status_code == 404 and r.json()["type"].endswith("certificate-not-found"), r.text
        r = await other.post(f"/v1/certificates/{cid}/reviews", json={"reviewed_on": iso(today()), "result": "fail"})
        assert r.status_code == 404
    listed = await other.get(ISSUE, params={"limit": 500})
    assert not {cert["id"], recorded["id"]} & {i["id"] for i in listed.json()["items"]}
    assert (await other.get(ISSUE, params={"org_id": w["school"]})).json()["items"] == []
    assert (await other.get(f"/v1/learners/{w['learner']}/certificates")).status_code == 404
    # nor issue for the school's learner, in its own name or the school's
    r = await other.post(ISSUE, json=issue_body(w, issuer_org_id=w["other"]))
    assert r.status_code == 404, r.text
    assert (await other.post(ISSUE, json=issue_body(w))).status_code == 403
    # the platform admin reads everything; unchanged by the attempts
    got = (await tp.admin.get(f"/v1/certificates/{cert['id']}")).json()
    assert (got["status"], got["version"]) == ("valid", 1)
    assert (await tp.admin.get(f"/v1/certificates/{uuid.uuid4()}")).status_code == 404


async def test_the_expiring_window_counts_from_today(tp, w):
    cert = await issue(tp, w, valid_until=iso(today() + timedelta(days=WINDOW)))
    assert cert["status"] == "expiring" and cert["status_on"] == iso(today())
    later = await issue(tp, w, valid_until=iso(today() + timedelta(days=WINDOW + 1)))
    assert later["status"] == "valid"
