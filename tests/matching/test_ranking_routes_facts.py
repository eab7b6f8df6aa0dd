"""Ranking facts through the gateway: shortage occupations flagged by an alliance boost a demand, an alliance's
weights change the order, and the ranking still answers — degraded — when membership or training cannot be reached
(docs/matching-ranking-routes.md)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.matching.agreement_support import Parties, agreement
from tests.matching.conftest import MatchingPlatform
from tests.matching.ranking_support import (
    ELSEWHERE,
    closed_port_url,
    component,
    demand,
    facts_of,
    items_by,
    offer,
    ranking,
)

UNAVAILABLE = "信息不足（服务不可用）"


@pytest.fixture(scope="module")
async def rk(mp: MatchingPlatform) -> AsyncIterator[MatchingPlatform]:
    facts = facts_of(mp)
    await facts.use_transport(httpx.ASGITransport(app=mp.platform.gateway))
    try:
        yield mp
    finally:
        await facts.use_transport(None)


async def test_a_flagged_shortage_occupation_boosts_the_demand_visibly(rk: MatchingPlatform):
    # seed 000「急需紧缺」: an alliance names the occupations it lacks; demands in them rank with a boost.
    ent, school = await rk.new_org("enterprise"), await rk.new_org("higher_vocational")
    alliance, other_alliance = await rk.new_alliance(), await rk.new_alliance()
    d = await demand(rk, ent, alliance_id=alliance, occupation_codes=["6-18-01-01"])
    o = await offer(rk, school)
    before = items_by(await ranking(rk.as_org(ent), "demands", d["id"]))[o["id"]]
    assert component(before, "shortage")["contribution"] == 0
    flag = {
        "alliance_id": alliance,
        "occupation_code": "6-18-01",  # a group above the demand's occupation
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "note": "急需紧缺职业目录",
    }
    r = await rk.as_alliance(other_alliance).post("/v1/shortage-occupations", json=flag)
    assert r.status_code == 403, r.text
    r = await rk.as_alliance(alliance).post("/v1/shortage-occupations", json=flag)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["occupation_name"] and created["alliance_id"] == alliance
    after = items_by(await ranking(rk.as_org(ent), "demands", d["id"]))[o["id"]]
    boost = component(after, "shortage")
    assert boost["contribution"] > 0 and "急需紧缺" in boost["reason"], boost
    assert after["points"] == before["points"] + boost["contribution"]
    listed = (await rk.as_org(school).get("/v1/shortage-occupations", params={"alliance_id": alliance})).json()
    assert [f["id"] for f in listed["items"]] == [created["id"]]
    # Deleted by the admin: the boost goes.
    assert (await rk.as_alliance(alliance).delete(f"/v1/shortage-occupations/{created['id']}")).status_code == 204
    again = items_by(await ranking(rk.as_org(ent), "demands", d["id"]))[o["id"]]
    assert component(again, "shortage")["contribution"] == 0
    assert (await rk.as_org(ent).get(f"/v1/shortage-occupations/{created['id']}")).status_code == 404


async def test_a_flag_outside_the_demand_period_gives_no_boost(rk: MatchingPlatform):
    ent, school, alliance = (
        await rk.new_org("enterprise"),
        await rk.new_org("higher_vocational"),
        await rk.new_alliance(),
    )
    d = await demand(rk, ent, alliance_id=alliance)  # 2027-03-01 … 2027-06-30
    o = await offer(rk, school)
    flag = {
        "alliance_id": alliance,
        "occupation_code": "6-18-01-01",
        "period_start": "2028-01-01",
        "period_end": "2028-12-31",
    }
    assert (await rk.as_alliance(alliance).post("/v1/shortage-occupations", json=flag)).status_code == 201
    item = items_by(await ranking(rk.as_org(ent), "demands", d["id"]))[o["id"]]
    assert component(item, "shortage")["contribution"] == 0


async def test_bad_flags_are_422_naming_the_field(rk: MatchingPlatform):
    alliance = await rk.new_alliance()
    client = rk.as_alliance(alliance)
    base = {
        "alliance_id": alliance,
        "occupation_code": "6-18-01-01",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
    }
    for change, field in (
        ({"occupation_code": "9-99"}, "occupation_code"),
        ({"period_end": "2026-01-01"}, "period_end"),
    ):
        r = await client.post("/v1/shortage-occupations", json={**base, **change})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in r.text


async def test_an_alliances_weights_change_the_order(rk: MatchingPlatform):
    ent, school = await rk.new_org("enterprise"), await rk.new_org("higher_vocational")
    alliance = await rk.new_alliance()
    d = await demand(rk, ent, alliance_id=alliance)
    exact_far = await offer(rk, school, major_codes=["460103"], region_code=ELSEWHERE)
    near_related = await offer(rk, school, major_codes=["460201"])  # another 专业类, same 大类; same city

    def order(body: dict) -> list[str]:
        return [i["offer_id"] for i in body["items"] if i["offer_id"] in {exact_far["id"], near_related["id"]}]

    default = await ranking(rk.as_org(ent), "demands", d["id"])
    assert order(default) == [exact_far["id"], near_related["id"]]
    assert default["weights_alliance_id"] == alliance and default["weights"]["field_fit"] == 300
    r = await rk.as_org(ent).put(f"/v1/matching-weights/{alliance}", json={"geography": 600})
    assert r.status_code == 403, r.text
    r = await rk.as_alliance(alliance).put(
        f"/v1/matching-weights/{alliance}", json={"geography": 600, "field_fit": 100}
    )
    assert r.status_code == 200, r.text
    weights = r.json()["weights"]
    assert weights["geography"] == 600 and sum(weights.values()) == 1000
    changed = await ranking(rk.as_org(ent), "demands", d["id"])
    assert changed["weights"] == weights
    assert order(changed) == [near_related["id"], exact_far["id"]]
    read = (await rk.as_org(school).get(f"/v1/matching-weights/{alliance}")).json()
    assert read["override"] == {"geography": 600, "field_fit": 100} and read["version"] == 1


async def test_bad_weights_are_422_naming_the_component(rk: MatchingPlatform):
    alliance = await rk.new_alliance()
    client = rk.as_alliance(alliance)
    for body, name in (
        ({"charm": 10}, "charm"),
        ({"geography": 1001}, "geography"),
        ({"geography": 700, "field_fit": 400}, "weights"),
    ):
        r = await client.put(f"/v1/matching-weights/{alliance}", json=body)
        assert r.status_code == 422, r.text
        assert name in r.text
    r = await client.get(f"/v1/matching-weights/{alliance}")
    assert r.status_code == 404, r.text  # nothing was written: the defaults apply


async def test_an_alliance_membership_does_not_know_has_no_weights_and_takes_no_flags(rk: MatchingPlatform):
    unknown = str(uuid.uuid4())
    assert (await rk.admin.put(f"/v1/matching-weights/{unknown}", json={"geography": 200})).status_code == 404
    flag = {"alliance_id": unknown, "occupation_code": "6-18", "period_start": "2027-01-01", "period_end": "2027-12-31"}
    r = await rk.admin.post("/v1/shortage-occupations", json=flag)
    assert r.status_code == 422 and "alliance_id" in r.text, r.text


@pytest.mark.parametrize(
    ("source", "components"),
    [("membership", ("relationship",)), ("training", ("track_record",))],
)
async def test_the_ranking_answers_degraded_when_a_source_is_unreachable(
    rk: MatchingPlatform, source: str, components: tuple[str, ...]
):
    ent, school = await rk.new_org("enterprise"), await rk.new_org("higher_vocational")
    d = await demand(rk, ent)
    o = await offer(rk, school)
    healthy = items_by(await ranking(rk.as_org(ent), "demands", d["id"]))[o["id"]]
    facts = facts_of(rk)
    await facts.reach(source, closed_port_url())  # nothing listens there: connection refused
    try:
        body = await ranking(rk.as_org(ent), "demands", d["id"])
        english = await ranking(rk.as_org(ent), "demands", d["id"], english=True)
    finally:
        await facts.reach(source, None)
    assert body["degraded"] == [source]
    item = items_by(body)[o["id"]]
    for name in components:
        c = component(item, name)
        assert c["status"] == "unavailable" and c["reason"] == UNAVAILABLE and c["contribution"] == 0, c
        assert component(healthy, name)["status"] == "ok"
        assert "unavailable" in component(items_by(english)[o["id"]], name)["reason"]
    # The other components are scored as before.
    assert component(item, "field_fit") == component(healthy, "field_fit")
    back = await ranking(rk.as_org(ent), "demands", d["id"])
    assert back["degraded"] == []


async def test_a_signed_agreement_between_the_two_counts_in_the_relationship(rk: MatchingPlatform):
    ent, school, stranger = (
        await rk.new_org("enterprise"),
        await rk.new_org("higher_vocational"),
        await rk.new_org("higher_vocational"),
    )
    d = await demand(rk, ent)
    partner, other = await offer(rk, school), await offer(rk, stranger)
    before = items_by(await ranking(rk.as_org(ent), "demands", d["id"]))
    assert component(before[partner["id"]], "relationship")["contribution"] == 0
    await agreement(rk.as_org(ent), Parties(school=school, enterprise=ent, outsider=stranger), signed=True)
    after = items_by(await ranking(rk.as_org(ent), "demands", d["id"]))
    assert component(after[partner["id"]], "relationship")["contribution"] > 0
    assert component(after[other["id"]], "relationship")["contribution"] == 0
    assert "1 份" in component(after[partner["id"]], "relationship")["reason"]
