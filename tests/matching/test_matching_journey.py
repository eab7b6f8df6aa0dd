"""The matching service end to end through the gateway, as an alliance uses it (docs/matching.md): an enterprise
posts an order-class demand and sees the schools' offers ranked with explanations that add up to the score; it
proposes to the best; the school accepts, which creates the agreement; the parties sign it, start it and record a
payment against the commitment; the alliance's matching figures show it; and at the alliance's fair an allocation
run places the remaining demand's headcount, the same bytes twice."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.matching.conftest import MatchingPlatform, demand_body, offer_body
from tests.matching.fair_support import FairWorld, new_fair, register
from tests.matching.ranking_support import facts_of, items_by, ranking


@pytest.fixture(scope="module")
async def jm(mp: MatchingPlatform) -> AsyncIterator[MatchingPlatform]:
    facts = facts_of(mp)
    await facts.use_transport(httpx.ASGITransport(app=mp.platform.gateway))
    try:
        yield mp
    finally:
        await facts.use_transport(None)


async def test_post_rank_propose_accept_fund_and_allocate(jm: MatchingPlatform):
    # seed 003「招生即招工、毕业即上岗」: an order class (订单班) is recruited with the employer from the start
    alliance = await jm.new_alliance()
    enterprise = await jm.new_org("enterprise", name="潍柴动力（订单班测试）")
    near, far = await jm.new_org("higher_vocational"), await jm.new_org("higher_vocational")
    for org in (enterprise, near, far):
        await jm.join(org, alliance, "2024-01-01")
    period = {"period_start": "2026-09-01", "period_end": "2029-06-30"}
    demand = await jm.post(
        "demands", enterprise, demand_body(enterprise, headcount=30, alliance_id=alliance, **period), open_it=True
    )
    best = await jm.post("offers", near, offer_body(near, count=30, **period), open_it=True)
    other = await jm.post(
        "offers",
        far,
        offer_body(far, count=30, major_codes=["520201"], region_code="110101", title="护理专业2027届", **period),
        open_it=True,
    )

    # ranked, explained, the contributions summing to the score (checked by `ranking`)
    ranked = await ranking(jm.as_org(enterprise), "demands", demand["id"])
    by_offer = items_by(ranked)
    assert ranked["items"][0]["offer_id"] == best["id"]
    assert by_offer[best["id"]]["points"] > by_offer[other["id"]]["points"]
    fit = next(c for c in by_offer[best["id"]]["components"] if c["name"] == "field_fit")
    assert fit["contribution"] > 0 and "460103" in fit["reason"]
    assert ranked["degraded"] == []

    # propose → accept → the agreement exists, from the proposal
    r = await jm.as_org(enterprise).post(
        "/v1/proposals", json={"demand_id": demand["id"], "offer_id": best["id"], "message": "诚邀共建数控订单班"}
    )
    assert r.status_code == 201, r.text
    proposal = r.json()
    r = await jm.as_org(near).post(f"/v1/proposals/{proposal['id']}/acceptance", json={})
    assert r.status_code == 200, r.text
    agreement_id = r.json()["agreement_id"]
    school = jm.as_org(near)
    agreement = (await school.get(f"/v1/agreements/{agreement_id}")).json()
    assert (agreement["kind"], agreement["status"], agreement["proposal_id"]) == (
        "order_class",
        "draft",
        proposal["id"],
    )
    assert {p["org_id"] for p in agreement["parties"]} == {enterprise, near}

    # signed and started, with a funding commitment and a payment within it
    r = await school.patch(
        f"/v1/agreements/{agreement_id}",
        json={"committed_amount": "300000.00", "payer_org_id": enterprise},
        headers={"If-Match": f'"{agreement["version"]}"'},
    )
    assert r.status_code == 200, r.text
    for to, on in (("signed", "2026-06-01"), ("active", "2026-09-01")):
        r = await school.post(f"/v1/agreements/{agreement_id}/transitions", json={"to": to, "effective_on": on})
        assert r.status_code == 200, r.text
    r = await jm.as_org(enterprise).post(
        f"/v1/agreements/{agreement_id}/payments",
        json={"amount": "120000.00", "paid_on": "2026-09-15", "payer_org_id": enterprise, "note": "首期设备款"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["funding"] == {"committed": "300000.00", "paid": "120000.00", "outstanding": "180000.00"}
    # the pair is no longer a candidate for the demand
    assert best["id"] not in items_by(await ranking(jm.as_org(enterprise), "demands", demand["id"]))

    # the alliance's figures count the agreement and its money
    stats = await jm.as_alliance(alliance).get(
        "/v1/matching-stats", params={"alliance_id": alliance, "period_start": "2026-01-01", "period_end": "2026-12-31"}
    )
    assert stats.status_code == 200, stats.text
    figures = stats.json()
    assert figures["agreements"]["count"] == 1
    assert (figures["proposals"]["count"], figures["proposals"]["by_outcome"]["accepted"]) == (1, 1)
    assert (figures["funding"]["committed"], figures["funding"]["paid"]) == ("300000.00", "120000.00")

    # the alliance's fair: a second enterprise's demand and both schools' offers registered, allocated optimally
    w = FairWorld(alliance=alliance, organizer=near, enterprise=enterprise, school_a=near, school_b=far)
    fair = await new_fair(jm, w, held_on="2026-05-18")
    second = await jm.new_org("enterprise")
    wanted = await jm.post("demands", second, demand_body(second, headcount=20, **period), open_it=True)
    await register(jm, fair["id"], second, demand_id=wanted["id"])
    for org, posting in ((near, best), (far, other)):
        await register(jm, fair["id"], org, offer_id=posting["id"])
    organizer = jm.as_org(near)
    first = await organizer.post("/v1/allocations", json={"scope": {"fair_id": fair["id"]}})
    assert first.status_code == 202, first.text
    run = first.json()
    assert run["status"] == "done" and run["objective"] >= run["greedy_objective"] > 0
    placed = {a["offer_id"]: a["count"] for a in run["result"]["assignments"]}
    assert placed.get(best["id"]) == 20  # the better-fitting school takes the whole headcount
    again = (await organizer.post("/v1/allocations", json={"scope": {"fair_id": fair["id"]}})).json()
    one = await organizer.get(f"/v1/allocations/{run['id']}/result")
    two = await organizer.get(f"/v1/allocations/{again['id']}/result")
    assert one.content == two.content
