"""Agreements 校企合作协议 through the gateway: create as a party, the lifecycle with its dated history, illegal moves,
the terms, milestones, and who may read and write."""

from __future__ import annotations

import pytest

from tests.matching.agreement_support import Parties, agreement, body, parties
from tests.training.conftest import TrainingPlatform


@pytest.fixture(scope="module")
async def p(mp: TrainingPlatform) -> Parties:
    return await parties(mp)


async def test_a_party_creates_a_draft_agreement_with_its_parties_and_history(mp: TrainingPlatform, p: Parties):
    # seed 003「招生即招工、毕业即上岗」: an order class between a school and an enterprise
    school = mp.as_org(p.school, "org_staff")
    r = await school.post("/v1/agreements", json=body(p))
    assert r.status_code == 201, r.text
    a = r.json()
    assert r.headers["location"] == f"/v1/agreements/{a['id']}"
    assert a["status"] == "draft" and a["signed_on"] is None
    assert a["kind_label"] == "订单班"
    assert a["parties"] == [{"org_id": p.school, "role": "school"}, {"org_id": p.enterprise, "role": "enterprise"}]
    assert a["allowed_transitions"] == ["signed", "terminated"]
    assert [e["to"] for e in a["events"]] == ["draft"]
    assert a["committed_amount"] == "1000.00"
    assert a["funding"] == {"committed": "1000.00", "paid": "0.00", "outstanding": "1000.00"}
    assert a["proposal_id"] is None and a["demand_id"] is None and a["offer_id"] is None
    # The enterprise, the other party, reads it too.
    r = await mp.as_org(p.enterprise).get(f"/v1/agreements/{a['id']}")
    assert r.status_code == 200 and r.json()["id"] == a["id"]


async def test_lifecycle_signed_active_completed_with_dated_events(mp: TrainingPlatform, p: Parties):
    school = mp.as_org(p.school)
    a = await agreement(school, p)
    steps = [("signed", "2025-08-20"), ("active", "2025-09-01"), ("completed", "2026-01-15")]
    for to, on in steps:
        r = await school.post(f"/v1/agreements/{a['id']}/transitions", json={"to": to, "effective_on": on})
        assert r.status_code == 200, r.text
    final = r.json()
    assert final["status"] == "completed" and final["signed_on"] == "2025-08-20"
    assert [(e["from"], e["to"], e["effective_on"]) for e in final["events"][1:]] == [
        ("draft", "signed", "2025-08-20"),
        ("signed", "active", "2025-09-01"),
        ("active", "completed", "2026-01-15"),
    ]
    assert final["allowed_transitions"] == []


async def test_illegal_transitions_are_409_naming_the_allowed_ones(mp: TrainingPlatform, p: Parties):
    school = mp.as_org(p.school)
    a = await agreement(school, p)
    r = await school.post(f"/v1/agreements/{a['id']}/transitions", json={"to": "completed"})
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["allowed"] == ["signed", "terminated"]
    # Not before the latest event either.
    await school.post(f"/v1/agreements/{a['id']}/transitions", json={"to": "signed", "effective_on": "2025-08-20"})
    r = await school.post(f"/v1/agreements/{a['id']}/transitions", json={"to": "active", "effective_on": "2025-08-01"})
    assert r.status_code == 409
    r = await school.post(f"/v1/agreements/{a['id']}/transitions", json={"to": "active", "effective_on": "2099-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "effective_on"]
    r = await school.get(f"/v1/agreements/{a['id']}")
    assert r.json()["status"] == "signed" and len(r.json()["events"]) == 2


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"parties": "same"}, "parties.1.org_id", "duplicate"),
        ({"parties": "two_schools"}, "parties", "school_and_enterprise"),
        ({"period_end": "2024-01-01"}, "period_end", "period"),
        ({"payer_org_id": None}, "payer_org_id", "required"),
        ({"payer_org_id": "outsider"}, "payer_org_id", "not_a_party"),
        ({"committed_amount": 1000.5}, "committed_amount", "decimal_string"),
        ({"committed_amount": "1000.555"}, "committed_amount", "decimal_places"),
        ({"committed_amount": "20000000000"}, "committed_amount", "maximum"),
        ({"appointment_ids": ["019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d"]}, "appointment_ids", "kind"),
        ({"kind": "dual_appointment"}, "appointment_ids", "required"),
        ({"role": "enterprise_as_school"}, "parties.0.role", "role_mismatch"),
    ],
)
async def test_bad_terms_are_422_naming_the_field(mp: TrainingPlatform, p: Parties, change, field, rule):
    values = dict(change)
    if values.get("parties") == "same":
        values["parties"] = [{"org_id": p.school, "role": "school"}, {"org_id": p.school, "role": "enterprise"}]
    if values.get("parties") == "two_schools":
        other = await mp.new_org("secondary_vocational")
        values["parties"] = [{"org_id": p.school, "role": "school"}, {"org_id": other, "role": "school"}]
    if values.get("payer_org_id") == "outsider":
        values["payer_org_id"] = p.outsider
    if values.pop("role", None):
        values["parties"] = [{"org_id": p.enterprise, "role": "school"}, {"org_id": p.school, "role": "enterprise"}]
    r = await mp.as_org(p.school).post("/v1/agreements", json=body(p, **values))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = {(".".join(str(x) for x in e["loc"][1:]), e["type"]) for e in r.json()["errors"]}
    assert (field, rule) in errors, errors
    r = await mp.as_org(p.school).post("/v1/agreements", json=body(p, **values), headers={"Accept-Language": "en"})
    assert r.json()["errors"][0]["msg"].isascii()


async def test_an_unknown_organization_is_422_and_nothing_is_written(mp: TrainingPlatform, p: Parties):
    ghost = "019abf2e-0000-7000-8000-00000000dead"
    school = mp.as_org(p.school)
    r = await school.post(
        "/v1/agreements",
        json=body(
            p,
            parties=[{"org_id": p.school, "role": "school"}, {"org_id": ghost, "role": "enterprise"}],
            payer_org_id=None,
            committed_amount="0",
        ),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "parties", 1, "org_id"]
    assert r.json()["errors"][0]["type"] == "organization_not_found"
    listed = (await school.get("/v1/agreements", params={"org_id": ghost})).json()["items"]
    assert listed == []


async def test_only_a_party_writes_and_reads_others_get_403_or_404(mp: TrainingPlatform, p: Parties):
    a = await agreement(mp.as_org(p.school), p)
    outsider = mp.as_org(p.outsider)
    # Creating an agreement between two other organizations: 403.
    r = await outsider.post("/v1/agreements", json=body(p))
    assert r.status_code == 403
    # Another organization's agreement does not exist for it.
    assert (await outsider.get(f"/v1/agreements/{a['id']}")).status_code == 404
    assert (await outsider.get(f"/v1/agreements/{a['id']}/payments")).status_code == 404
    r = await outsider.post(f"/v1/agreements/{a['id']}/transitions", json={"to": "signed"})
    assert r.status_code == 404
    r = await outsider.patch(f"/v1/agreements/{a['id']}", json={"title": "篡改"})
    assert r.status_code == 404
    ids = [x["id"] for x in (await outsider.get("/v1/agreements", params={"limit": 500})).json()["items"]]
    assert a["id"] not in ids
    ids = [
        x["id"] for x in (await mp.as_org(p.enterprise).get("/v1/agreements", params={"limit": 500})).json()["items"]
    ]
    assert a["id"] in ids
    r = await mp.admin.get(f"/v1/agreements/{a['id']}")
    assert r.json()["title"] == a["title"] and r.json()["version"] == a["version"]


async def test_the_alliance_admins_read_the_alliances_agreements_only(mp: TrainingPlatform, p: Parties):
    alliance = await mp.new_alliance()
    other = await mp.new_alliance()
    a = await agreement(mp.as_org(p.school), p, alliance_id=alliance)
    plain = await agreement(mp.as_org(p.school), p)
    secretariat = mp.as_alliance(alliance)
    assert (await secretariat.get(f"/v1/agreements/{a['id']}")).status_code == 200
    assert (await secretariat.get(f"/v1/agreements/{plain['id']}")).status_code == 404
    assert (await mp.as_alliance(other).get(f"/v1/agreements/{a['id']}")).status_code == 404
    listed = [
        x["id"] for x in (await secretariat.get("/v1/agreements", params={"alliance_id": alliance})).json()["items"]
    ]
    assert listed == [a["id"]]
    # Reading is not writing: the secretariat is not a party.
    r = await secretariat.post(f"/v1/agreements/{a['id']}/transitions", json={"to": "signed"})
    assert r.status_code == 403
    bad = await mp.as_org(p.school).post(
        "/v1/agreements", json=body(p, alliance_id="019abf2e-0000-7000-8000-00000000beef")
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["type"] == "alliance_not_found"


async def test_terms_change_with_if_match_until_the_agreement_closes(mp: TrainingPlatform, p: Parties):
    school = mp.as_org(p.school)
    a = await agreement(school, p)
    r = await school.patch(
        f"/v1/agreements/{a['id']}",
        json={"committed_amount": "2500.5", "planned_students": 45},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["committed_amount"] == "2500.50" and r.json()["funding"]["outstanding"] == "2500.50"
    r = await school.patch(f"/v1/agreements/{a['id']}", json={"title": "x"}, headers={"If-Match": '"1"'})
    assert r.status_code == 412
    await school.post(f"/v1/agreements/{a['id']}/transitions", json={"to": "terminated", "reason": "企业撤回"})
    r = await school.patch(f"/v1/agreements/{a['id']}", json={"title": "终止后修改"})
    assert r.status_code == 409


async def test_milestones_are_added_and_marked_done(mp: TrainingPlatform, p: Parties):
    enterprise = mp.as_org(p.enterprise, "org_staff")
    a = await agreement(mp.as_org(p.school), p)
    r = await enterprise.post(
        f"/v1/agreements/{a['id']}/milestones", json={"title": "首届订单班开班", "due_on": "2025-09-15"}
    )
    assert r.status_code == 201, r.text
    m = r.json()
    r = await enterprise.patch(
        f"/v1/agreements/{a['id']}/milestones/{m['id']}", json={"done_on": "2025-09-12"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.json()["done_on"] == "2025-09-12" and r.json()["version"] == 2
    items = (await mp.as_org(p.school).get(f"/v1/agreements/{a['id']}/milestones")).json()["items"]
    assert [(x["title"], x["done_on"]) for x in items] == [("首届订单班开班", "2025-09-12")]
    assert (await mp.as_org(p.outsider).get(f"/v1/agreements/{a['id']}/milestones")).status_code == 404
