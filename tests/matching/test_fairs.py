"""Fairs 供需对接会 / 双选会 through the gateway: create and open a fair, register demands and offers, withdraw, the
fair's figures, and who may manage and register."""

from __future__ import annotations

import pytest

from tests.matching.conftest import MatchingPlatform, demand_body, offer_body
from tests.matching.fair_support import FairWorld, fair_world, new_fair, register


@pytest.fixture(scope="module")
async def w(mp: MatchingPlatform) -> FairWorld:
    return await fair_world(mp)


async def test_a_fair_with_registrations_and_its_figures(mp: MatchingPlatform, w: FairWorld):
    # seed 003「2024年聊城市校园人才双选会」: enterprises and schools meet at a fair
    fair = await new_fair(mp, w, open_it=False)
    assert fair["status"] == "planned" and fair["allowed_transitions"] == ["closed", "open"]
    r = await mp.as_org(w.organizer, "org_staff").post(f"/v1/fairs/{fair['id']}/transitions", json={"to": "open"})
    assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["status_label"] == "进行中"

    demand = await mp.post("demands", w.enterprise, demand_body(w.enterprise, headcount=40), open_it=True)
    offer_a = await mp.post("offers", w.school_a, offer_body(w.school_a, count=30), open_it=True)
    offer_b = await mp.post("offers", w.school_b, offer_body(w.school_b, count=15), open_it=True)
    reg = await register(mp, fair["id"], w.enterprise, demand_id=demand["id"])
    assert reg["demand_id"] == demand["id"] and reg["offer_id"] is None and reg["org_id"] == w.enterprise
    await register(mp, fair["id"], w.school_a, offer_id=offer_a["id"])
    reg_b = await register(mp, fair["id"], w.school_b, offer_id=offer_b["id"])

    r = await mp.as_org(w.school_a).get(f"/v1/fairs/{fair['id']}/figures")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "fair_id": fair["id"],
        "participants": 3,
        "demands": 1,
        "offers": 2,
        "headcount": 40,
        "places": 45,
        "proposals": 0,
        "agreements": 0,
    }

    # An agreement that names the registered demand counts; withdrawing school_b's offer takes it out of the figures.
    agreement = {
        "kind": "order_class",
        "title": "双选会订单班协议",
        "parties": [{"org_id": w.school_a, "role": "school"}, {"org_id": w.enterprise, "role": "enterprise"}],
        "period_start": "2024-09-01",
    }
    r = await mp.as_org(w.school_a).post("/v1/agreements", json=agreement)
    assert r.status_code == 201, r.text
    await _link_agreement(mp, r.json()["id"], demand["id"])
    r = await mp.as_org(w.enterprise).post("/v1/proposals", json={"demand_id": demand["id"], "offer_id": offer_a["id"]})
    assert r.status_code == 201, r.text
    r = await mp.as_org(w.school_b).delete(f"/v1/fairs/{fair['id']}/registrations/{reg_b['id']}")
    assert r.status_code == 200 and r.json()["withdrawn_at"] is not None
    r = await mp.as_org(w.enterprise).get(f"/v1/fairs/{fair['id']}/figures")
    assert r.json() == {
        "fair_id": fair["id"],
        "participants": 2,
        "demands": 1,
        "offers": 1,
        "headcount": 40,
        "places": 30,
        "proposals": 1,
        "agreements": 1,
    }

    r = await mp.as_org(w.school_a).get(f"/v1/fairs/{fair['id']}/registrations")
    assert {(x["demand_id"], x["offer_id"]) for x in r.json()["items"]} == {(demand["id"], None), (None, offer_a["id"])}
    r = await mp.as_org(w.school_a).get(f"/v1/fairs/{fair['id']}/registrations?include_withdrawn=true")
    assert len(r.json()["items"]) == 3
    # Withdrawn, the offer may register again.
    await register(mp, fair["id"], w.school_b, offer_id=offer_b["id"])


async def _link_agreement(mp: MatchingPlatform, agreement_id: str, demand_id: str) -> None:
    """Agreements name their demand when a proposal creates them; here the column is set directly in the database."""
    import sqlalchemy as sa

    app = mp.platform.upstreams["matching"].app
    async with app.state.sessionmaker() as s, s.begin():
        await s.execute(
            sa.text("update agreements set demand_id = :d where id = :a"), {"d": demand_id, "a": agreement_id}
        )


async def test_registration_rules(mp: MatchingPlatform, w: FairWorld):
    fair = await new_fair(mp, w)
    draft = await mp.post("offers", w.school_a, offer_body(w.school_a))
    enterprise = mp.as_org(w.enterprise)
    # Exactly one of demand_id and offer_id.
    r = await enterprise.post(f"/v1/fairs/{fair['id']}/registrations", json={})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "demand_id"]
    # Another organization's posting: 403.
    r = await enterprise.post(f"/v1/fairs/{fair['id']}/registrations", json={"offer_id": draft["id"]})
    assert r.status_code == 403
    # A draft is not on the market: 409.
    r = await mp.as_org(w.school_a).post(f"/v1/fairs/{fair['id']}/registrations", json={"offer_id": draft["id"]})
    assert r.status_code == 409 and "已发布" in r.json()["detail"]
    # Twice: 409.
    offer = await mp.post("offers", w.school_a, offer_body(w.school_a), open_it=True)
    await register(mp, fair["id"], w.school_a, offer_id=offer["id"])
    r = await mp.as_org(w.school_a).post(f"/v1/fairs/{fair['id']}/registrations", json={"offer_id": offer["id"]})
    assert r.status_code == 409
    # A closed fair takes no more: 409 fair-closed, in English on request.
    r = await mp.as_org(w.organizer).post(f"/v1/fairs/{fair['id']}/transitions", json={"to": "closed"})
    assert r.status_code == 200
    other = await mp.post("offers", w.school_b, offer_body(w.school_b), open_it=True)
    r = await mp.as_org(w.school_b).post(
        f"/v1/fairs/{fair['id']}/registrations", json={"offer_id": other["id"]}, headers={"Accept-Language": "en"}
    )
    assert r.status_code == 409 and r.json()["type"].endswith("fair-closed") and "closed" in r.json()["detail"]
    # A closed fair does not open again.
    r = await mp.as_org(w.organizer).post(f"/v1/fairs/{fair['id']}/transitions", json={"to": "open"})
    assert r.status_code == 409


async def test_who_manages_a_fair(mp: MatchingPlatform, w: FairWorld):
    body = {"organizer_org_id": w.organizer, "alliance_id": w.alliance, "title": "供需对接会", "held_on": "2024-06-01"}
    # Another organization may not create a fair in the organizer's name; another alliance's admin neither.
    assert (await mp.as_org(w.school_a).post("/v1/fairs", json=body)).status_code == 403
    other_alliance = await mp.new_alliance()
    assert (await mp.as_alliance(other_alliance).post("/v1/fairs", json=body)).status_code == 403
    # The alliance's admin may.
    r = await mp.as_alliance(w.alliance).post("/v1/fairs", json=body)
    assert r.status_code == 201, r.text
    fair = r.json()
    assert (
        await mp.as_org(w.school_a).post(f"/v1/fairs/{fair['id']}/transitions", json={"to": "open"})
    ).status_code == 403
    # An unknown organizer is 422 naming the field; period_end before held_on too.
    unknown = {**body, "organizer_org_id": "019abf2e-0000-7000-8000-00000000dead"}
    r = await mp.admin.post("/v1/fairs", json=unknown)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "organizer_org_id"]
    r = await mp.admin.post("/v1/fairs", json={**body, "period_end": "2024-05-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "period_end"]
    # Listing by alliance finds it.
    r = await mp.as_org(w.school_b).get(f"/v1/fairs?alliance_id={w.alliance}")
    assert fair["id"] in {x["id"] for x in r.json()["items"]}


async def test_registrations_sync_by_token_and_show_withdrawals(mp: MatchingPlatform, w: FairWorld):
    fair = await new_fair(mp, w)
    offer = await mp.post("offers", w.school_b, offer_body(w.school_b), open_it=True)
    reg = await register(mp, fair["id"], w.school_b, offer_id=offer["id"])
    reader = mp.as_org(w.enterprise)
    path = f"/v1/fairs/{fair['id']}/registrations?include_withdrawn=true"
    first = (await reader.get(path)).json()
    assert [x["id"] for x in first["items"]] == [reg["id"]] and first["sync_token"]
    # Withdrawn after the pull: the next pull from its token brings the withdrawal.
    r = await mp.as_org(w.school_b).delete(f"/v1/fairs/{fair['id']}/registrations/{reg['id']}")
    assert r.status_code == 200
    pulled = (await reader.get(f"{path}&since_token={first['sync_token']}")).json()
    assert [(x["id"], x["withdrawn_at"] is not None) for x in pulled["items"]] == [(reg["id"], True)]
    # The live list no longer has it; withdrawing twice is 409.
    assert (await reader.get(f"/v1/fairs/{fair['id']}/registrations")).json()["items"] == []
    r = await mp.as_org(w.school_b).delete(f"/v1/fairs/{fair['id']}/registrations/{reg['id']}")
    assert r.status_code == 409
