"""Proposals 合作意向 through the gateway: an enterprise proposes its open demand to a school's open offer, the school
accepts and a draft agreement exists in the same transaction; declines, withdrawals, illegal moves, one pending
proposal per pair, and who may see and answer (services/matching/proposals/)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.matching.conftest import MatchingPlatform, demand_body, offer_body


@dataclass
class Pair:
    school: str
    enterprise: str
    outsider: str
    demand: dict
    offer: dict


async def pair(mp: MatchingPlatform, **demand_extra: object) -> Pair:
    school, enterprise = await mp.new_org("higher_vocational"), await mp.new_org("enterprise")
    outsider = await mp.new_org("enterprise")
    demand = await mp.post("demands", enterprise, demand_body(enterprise, **demand_extra), open_it=True)
    offer = await mp.post("offers", school, offer_body(school), open_it=True)
    return Pair(school, enterprise, outsider, demand, offer)


async def propose(mp: MatchingPlatform, p: Pair, by: str | None = None, **extra: object) -> dict:
    r = await mp.as_org(by or p.enterprise, "org_staff").post(
        "/v1/proposals", json={"demand_id": p.demand["id"], "offer_id": p.offer["id"], **extra}
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_propose_accept_creates_the_agreement_through_the_gateway(mp: MatchingPlatform):
    # seed 003「招生即招工、毕业即上岗」: the enterprise's order class meets the school's graduates-to-be
    p = await pair(mp, period_start="2027-09-01", period_end="2030-06-30")
    prop = await propose(mp, p, message="盼合作")
    assert prop["status"] == "pending" and prop["status_label"] == "待答复"
    assert prop["proposer_org_id"] == p.enterprise and prop["agreement_id"] is None
    assert (prop["demand_org_id"], prop["offer_org_id"]) == (p.enterprise, p.school)

    r = await mp.as_org(p.school).post(f"/v1/proposals/{prop['id']}/acceptance", json={})
    assert r.status_code == 200, r.text
    accepted = r.json()
    assert accepted["status"] == "accepted" and accepted["agreement_id"] is not None

    r = await mp.as_org(p.enterprise).get(f"/v1/agreements/{accepted['agreement_id']}")
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["status"] == "draft" and a["kind"] == "order_class"
    assert a["parties"] == [{"org_id": p.school, "role": "school"}, {"org_id": p.enterprise, "role": "enterprise"}]
    assert (a["period_start"], a["period_end"]) == ("2027-09-01", "2030-06-30")
    assert a["planned_students"] == 30  # min(headcount 40, count 30)
    assert (a["proposal_id"], a["demand_id"], a["offer_id"]) == (prop["id"], p.demand["id"], p.offer["id"])

    # Answered once: accepting, declining or withdrawing again is 409.
    for action in ("acceptance", "declination"):
        r = await mp.as_org(p.school).post(f"/v1/proposals/{prop['id']}/{action}", json={})
        assert r.status_code == 409 and r.json()["current"] == "accepted", r.text
    r = await mp.as_org(p.enterprise).post(f"/v1/proposals/{prop['id']}/withdrawal", json={})
    assert r.status_code == 409
    # The events of the proposal: created, then accepted.
    r = await mp.admin.get(f"/v1/agreements?proposal_id={prop['id']}")
    assert [x["id"] for x in r.json()["items"]] == [accepted["agreement_id"]]


async def test_kind_mapping_and_a_school_may_propose_too(mp: MatchingPlatform):
    p = await pair(mp, kind="internship", headcount=5)
    offer = await mp.post("offers", p.school, offer_body(p.school, kind="interns", count=12), open_it=True)
    p.offer = offer
    prop = await propose(mp, p, by=p.school)
    assert prop["proposer_org_id"] == p.school
    # The proposer cannot accept its own proposal; the enterprise can.
    r = await mp.as_org(p.school).post(f"/v1/proposals/{prop['id']}/acceptance", json={})
    assert r.status_code == 403
    r = await mp.as_org(p.enterprise).post(f"/v1/proposals/{prop['id']}/acceptance", json={})
    assert r.status_code == 200, r.text
    a = (await mp.admin.get(f"/v1/agreements/{r.json()['agreement_id']}")).json()
    assert a["kind"] == "internship_base" and a["planned_students"] == 5


async def test_decline_and_withdraw_by_the_right_party_only(mp: MatchingPlatform):
    p = await pair(mp)
    prop = await propose(mp, p)
    # The proposer cannot decline, the counterparty cannot withdraw.
    r = await mp.as_org(p.enterprise).post(f"/v1/proposals/{prop['id']}/declination", json={})
    assert r.status_code == 403
    r = await mp.as_org(p.school).post(f"/v1/proposals/{prop['id']}/withdrawal", json={})
    assert r.status_code == 403
    r = await mp.as_org(p.school).post(f"/v1/proposals/{prop['id']}/declination", json={"reason": "名额已满"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "declined" and r.json()["reason"] == "名额已满"
    assert r.json()["agreement_id"] is None

    # Declined: the pair may be proposed again; then withdrawn by its proposer.
    again = await propose(mp, p)
    r = await mp.as_org(p.enterprise).post(f"/v1/proposals/{again['id']}/withdrawal", json={"reason": "需求调整"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = await mp.as_org(p.school).post(f"/v1/proposals/{again['id']}/acceptance", json={})
    assert r.status_code == 409
    r = await mp.as_org(p.school).get(f"/v1/agreements?proposal_id={again['id']}")
    assert r.json()["items"] == []


async def test_one_pending_proposal_per_pair(mp: MatchingPlatform):
    p = await pair(mp)
    await propose(mp, p)
    # The other side cannot open a second pending one on the same pair either.
    for org in (p.enterprise, p.school):
        r = await mp.as_org(org).post("/v1/proposals", json={"demand_id": p.demand["id"], "offer_id": p.offer["id"]})
        assert r.status_code == 409, r.text
        assert r.json()["type"].endswith("proposal-pending")


async def test_proposal_rules_are_named(mp: MatchingPlatform):
    p = await pair(mp)
    school = mp.as_org(p.school)
    # Incompatible kinds: an order class does not meet R&D expertise.
    rnd = await mp.post("offers", p.school, offer_body(p.school, kind="rnd_expertise"), open_it=True)
    r = await school.post("/v1/proposals", json={"demand_id": p.demand["id"], "offer_id": rnd["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "incompatible_kinds"
    assert r.json()["errors"][0]["loc"] == ["body", "offer_id"]
    # Not open: a draft offer of the school's own.
    draft = await mp.post("offers", p.school, offer_body(p.school))
    r = await school.post("/v1/proposals", json={"demand_id": p.demand["id"], "offer_id": draft["id"]})
    assert r.status_code == 409 and r.json()["type"].endswith("posting-not-open")
    # Same organization: an enterprise's demand and an offer of its own.
    own = await mp.post("offers", p.enterprise, offer_body(p.enterprise), open_it=True)
    r = await mp.as_org(p.enterprise).post("/v1/proposals", json={"demand_id": p.demand["id"], "offer_id": own["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "same_organization"
    # Neither party: 403, nothing written.
    r = await mp.as_org(p.outsider).post("/v1/proposals", json={"demand_id": p.demand["id"], "offer_id": p.offer["id"]})
    assert r.status_code == 403
    r = await mp.admin.get(f"/v1/proposals?demand_id={p.demand['id']}")
    assert r.json()["items"] == []
    # English on request.
    r = await school.post(
        "/v1/proposals",
        json={"demand_id": p.demand["id"], "offer_id": rnd["id"]},
        headers={"Accept-Language": "en"},
    )
    assert "does not meet" in r.json()["errors"][0]["msg"]


async def test_acceptance_needs_both_postings_still_open(mp: MatchingPlatform):
    p = await pair(mp)
    prop = await propose(mp, p)
    r = await mp.as_org(p.enterprise).post(f"/v1/demands/{p.demand['id']}/transitions", json={"to": "closed"})
    assert r.status_code == 200, r.text
    r = await mp.as_org(p.school).post(f"/v1/proposals/{prop['id']}/acceptance", json={})
    assert r.status_code == 409 and r.json()["type"].endswith("posting-not-open")
    r = await mp.admin.get(f"/v1/proposals/{prop['id']}")
    assert r.json()["status"] == "pending"


async def test_a_non_party_neither_sees_nor_answers(mp: MatchingPlatform):
    alliance = await mp.new_alliance()
    p = await pair(mp, alliance_id=alliance)
    prop = await propose(mp, p)
    outsider = mp.as_org(p.outsider)
    r = await outsider.get(f"/v1/proposals/{prop['id']}")
    assert r.status_code == 404
    for action in ("acceptance", "declination", "withdrawal"):
        r = await outsider.post(f"/v1/proposals/{prop['id']}/{action}", json={})
        assert r.status_code == 404, action
    r = await outsider.get("/v1/proposals")
    assert all(x["id"] != prop["id"] for x in r.json()["items"])
    # The demand's alliance admins read it; another alliance's do not.
    r = await mp.as_alliance(alliance).get(f"/v1/proposals/{prop['id']}")
    assert r.status_code == 200
    r = await mp.as_alliance(await mp.new_alliance()).get(f"/v1/proposals/{prop['id']}")
    assert r.status_code == 404


async def test_list_filters_and_direction(mp: MatchingPlatform):
    p = await pair(mp)
    sent = await propose(mp, p)
    other = await mp.post("offers", p.school, offer_body(p.school, title="机电一体化毕业生"), open_it=True)
    p2 = Pair(p.school, p.enterprise, p.outsider, p.demand, other)
    received = await propose(mp, p2, by=p.school)
    enterprise = mp.as_org(p.enterprise)

    async def ids(query: str, client=enterprise) -> set[str]:
        r = await client.get(f"/v1/proposals?{query}")
        assert r.status_code == 200, r.text
        return {x["id"] for x in r.json()["items"]}

    assert await ids("direction=sent") == {sent["id"]}
    assert await ids("direction=received") == {received["id"]}
    assert await ids(f"direction=sent&org_id={p.school}", mp.admin) == {received["id"]}
    assert await ids(f"offer_id={other['id']}") == {received["id"]}
    assert await ids(f"demand_id={p.demand['id']}&status=pending") == {sent["id"], received["id"]}
    assert await ids(f"org_id={p.school}&status=accepted", mp.admin) == set()
    r = await mp.admin.get("/v1/proposals?direction=sent")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "org_id"]
    r = await enterprise.get("/v1/proposals?direction=sideways")
    assert r.status_code == 422


@pytest.mark.parametrize("kind", ["employment"])
async def test_an_employment_demand_becomes_an_order_class_agreement(mp: MatchingPlatform, kind: str):
    p = await pair(mp, kind=kind, headcount=3)
    prop = await propose(mp, p)
    r = await mp.as_org(p.school).post(f"/v1/proposals/{prop['id']}/acceptance", json={})
    assert r.status_code == 200, r.text
    a = (await mp.admin.get(f"/v1/agreements/{r.json()['agreement_id']}")).json()
    assert a["kind"] == "order_class" and a["planned_students"] == 3


async def test_the_list_syncs_from_a_token(mp: MatchingPlatform):
    p = await pair(mp)
    prop = await propose(mp, p)
    school = mp.as_org(p.school)
    r = await school.get("/v1/proposals", params={"since_token": "0"})
    assert r.status_code == 200, r.text
    token = r.json()["sync_token"]
    assert prop["id"] in {x["id"] for x in r.json()["items"]}
    r = await school.get("/v1/proposals", params={"since_token": token})
    assert prop["id"] not in {x["id"] for x in r.json()["items"]}
    await school.post(f"/v1/proposals/{prop['id']}/declination", json={})
    r = await school.get("/v1/proposals", params={"since_token": token})
    assert [(x["id"], x["status"]) for x in r.json()["items"]] == [(prop["id"], "declined")]
