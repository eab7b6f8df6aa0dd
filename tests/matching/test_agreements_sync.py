"""An integrator's school system keeps its agreements, milestones and payments in step with `since_token`
(docs/sync.md): a pull after a payment or a transition brings the agreement again, the new payment and the changed
milestone — and nothing it already had."""

from __future__ import annotations

import pytest

from tests.matching.agreement_support import Parties, agreement, parties
from tests.training.conftest import TrainingPlatform


@pytest.fixture(scope="module")
async def p(mp: TrainingPlatform) -> Parties:
    return await parties(mp)


async def test_agreements_their_milestones_and_payments_sync(mp: TrainingPlatform, p: Parties):
    school = mp.as_org(p.school)
    a = await agreement(school, p, signed=True, committed_amount="1000")
    quiet = await agreement(school, p)
    base = f"/v1/agreements/{a['id']}"
    first = (await school.get("/v1/agreements", params={"org_id": p.school})).json()
    assert {a["id"], quiet["id"]} <= {x["id"] for x in first["items"]}
    token = first["sync_token"]
    milestone = (await school.post(f"{base}/milestones", json={"title": "首批学生入班", "due_on": "2025-09-01"})).json()
    ms_token = (await school.get(f"{base}/milestones")).json()["sync_token"]
    pay_token = (await school.get(f"{base}/payments")).json()["sync_token"]

    paid = await school.post(
        f"{base}/payments", json={"amount": "250", "paid_on": "2025-09-30", "payer_org_id": p.enterprise}
    )
    assert paid.status_code == 201, paid.text
    r = await school.patch(
        f"{base}/milestones/{milestone['id']}", json={"done_on": "2025-09-01"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text

    again = (await school.get("/v1/agreements", params={"org_id": p.school, "since_token": token})).json()
    assert [x["id"] for x in again["items"]] == [a["id"]]  # the payment changed it; the quiet one stays out
    assert again["items"][0]["funding"]["paid"] == "250.00"
    payments = (await school.get(f"{base}/payments", params={"since_token": pay_token})).json()
    assert [x["amount"] for x in payments["items"]] == ["250.00"]
    milestones = (await school.get(f"{base}/milestones", params={"since_token": ms_token})).json()
    assert [(x["id"], x["done_on"]) for x in milestones["items"]] == [(milestone["id"], "2025-09-01")]
    # a pull with the newest token brings nothing new
    latest = (
        await school.get("/v1/agreements", params={"org_id": p.school, "since_token": again["sync_token"]})
    ).json()
    assert latest["items"] == []
