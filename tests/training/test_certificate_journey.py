"""A certificate's whole public life through the gateway: issued by a school → verified by anyone (valid) → reviewed
(复审) → suspended → verified (suspended) → reinstated → revoked → verified (revoked, with its reason and day) — the
public answer following every step at once, each answer signed and checked with the published key by a different
library (libsodium) than the one that signed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chanjiao.dates import today
from services.training.certificates.rules import add_years
from tests.training.certificate_support import iso, new_world, record
from tests.training.test_certificate_verify_signature import check_with_nacl

VERIFY = "/v1/certificates/verify"


@pytest.fixture(scope="module")
async def w(tp, database):
    return await new_world(tp, database)


async def test_issue_verify_review_suspend_reinstate_revoke_verify(tp, w):
    enterprise = tp.as_org(w["enterprise"], "org_staff")
    keys = (await tp.anonymous.get("/v1/certificates/verification-key")).json()

    async def verified(code: str) -> dict:
        r = await tp.anonymous.get(VERIFY, params={"code": code})
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"] == "public, max-age=60"
        check_with_nacl(r.content, keys)
        return r.json()

    # seed 000「应急局特种作业（安全管理、电工、电焊工等）」: a 特种作业操作证 of the enterprise's electrician
    issued_on = add_years(today(), -3) + timedelta(days=10)  # its first 复审 is 10 days away
    cert = await record(tp, w, issued_on=iso(issued_on))
    cid, code = cert["id"], cert["verification_code"]
    assert cert["verification_url"].endswith(f"{VERIFY}?code={code}")

    answer = await verified(code)
    assert (answer["status"], answer["holder_name_masked"], answer["recorded"]) == ("expiring", "王*华", True)
    assert answer["next_review_on"] == iso(add_years(issued_on, 3))

    r = await enterprise.post(f"/v1/certificates/{cid}/reviews", json={"reviewed_on": iso(today()), "result": "pass"})
    assert r.status_code == 201, r.text
    answer = await verified(code)
    assert answer["status"] == "valid" and answer["next_review_on"] == iso(add_years(today(), 3))

    r = await enterprise.post(f"/v1/certificates/{cid}/suspension", json={"reason": "违规操作，暂扣"})
    assert r.status_code == 200, r.text
    answer = await verified(code)
    assert answer["status"] == "suspended"

    r = await enterprise.post(f"/v1/certificates/{cid}/reinstatement", json={"reason": "整改完成"})
    assert r.status_code == 200, r.text
    assert (await verified(code))["status"] == "valid"

    r = await enterprise.post(f"/v1/certificates/{cid}/revocation", json={"reason": "证书持有人违规操作导致事故"})
    assert r.status_code == 200, r.text
    answer = await verified(code)
    assert answer["status"] == "revoked", "revoked is shown as revoked, never as not found"
    assert answer["status_reason"] == "证书持有人违规操作导致事故"
    assert answer["status_changed_on"] == iso(today())
    page = await tp.anonymous.get(VERIFY, params={"code": code}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "已撤销" in page.text and "证书持有人违规操作导致事故" in page.text
