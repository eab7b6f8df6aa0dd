"""`GET /v1/demands/{id}/matches` and `GET /v1/offers/{id}/matches` through the gateway, on real Postgres, with
membership and training answering for real (docs/matching-ranking-routes.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.matching.conftest import MatchingPlatform
from tests.matching.fair_support import FairWorld, new_fair, register
from tests.matching.ranking_support import (
    ELSEWHERE,
    component,
    demand,
    facts_of,
    items_by,
    offer,
    ranking,
)


@pytest.fixture(scope="module")
async def rk(mp: MatchingPlatform) -> AsyncIterator[MatchingPlatform]:
    facts = facts_of(mp)
    await facts.use_transport(httpx.ASGITransport(app=mp.platform.gateway))
    try:
        yield mp
    finally:
        await facts.use_transport(None)


async def test_offers_come_best_first_with_contributions_summing_to_the_points(rk: MatchingPlatform):
    ent, school = await rk.new_org("enterprise"), await rk.new_org("higher_vocational")
    d = await demand(rk, ent)
    same = await offer(rk, school, major_codes=["460103"])  # the demand's major, same city
    related = await offer(rk, school, major_codes=["460101"])  # same 专业类 (4601)
    far = await offer(rk, school, major_codes=["520201"], region_code=ELSEWHERE)  # another field, another province
    body = await ranking(rk.as_org(ent, "org_staff"), "demands", d["id"])
    found = items_by(body)
    assert body["demand_id"] == d["id"] and body["degraded"] == []
    assert sum(body["weights"].values()) == 1000
    order = [i["offer_id"] for i in body["items"] if i["offer_id"] in {same["id"], related["id"], far["id"]}]
    assert order == [same["id"], related["id"], far["id"]]
    assert found[same["id"]]["org_id"] == school
    assert component(found[same["id"]], "field_fit")["value"] == 1.0
    assert [c["name"] for c in found[same["id"]]["components"]] == [
        "field_fit",
        "capacity_fit",
        "education_level",
        "geography",
        "period_overlap",
        "relationship",
        "track_record",
        "shortage",
    ]
    points = [i["points"] for i in body["items"]]
    assert points == sorted(points, reverse=True)


async def test_an_empty_offer_scores_near_zero_and_says_insufficient(rk: MatchingPlatform):
    ent, school = await rk.new_org("enterprise"), await rk.new_org("higher_vocational")
    d = await demand(rk, ent)
    empty = await offer(
        rk,
        school,
        major_codes=[],
        education_level="any",
        region_code=None,
        period_start=None,
        period_end=None,
        cohort_year=None,
        count=1,
    )
    item = items_by(await ranking(rk.as_org(ent), "demands", d["id"]))[empty["id"]]
    assert item["points"] <= 10  # only 1 of 10 places: a sliver of capacity fit
    for name in ("field_fit", "education_level", "geography", "period_overlap"):
        c = component(item, name)
        assert c["contribution"] == 0 and "信息不足" in c["reason"], c


async def test_closed_draft_incompatible_and_own_offers_are_not_candidates(rk: MatchingPlatform):
    ent, school = await rk.new_org("enterprise"), await rk.new_org("higher_vocational")
    d = await demand(rk, ent)
    good = await offer(rk, school)
    draft = await offer(rk, school, open_it=False)
    closed = await offer(rk, school)
    r = await rk.as_org(school).post(f"/v1/offers/{closed['id']}/transitions", json={"to": "closed"})
    assert r.status_code == 200, r.text
    incompatible = await offer(rk, school, kind="graduates")  # an internship demand meets interns only
    own = await offer(rk, ent)  # the enterprise's own offer
    found = items_by(await ranking(rk.as_org(ent), "demands", d["id"]))
    assert good["id"] in found
    for excluded in (draft, closed, incompatible, own):
        assert excluded["id"] not in found


async def test_reasons_are_chinese_by_default_and_english_on_request(rk: MatchingPlatform):
    ent, school = await rk.new_org("enterprise"), await rk.new_org("higher_vocational")
    d = await demand(rk, ent)
    o = await offer(rk, school)
    zh = items_by(await ranking(rk.as_org(ent), "demands", d["id"]))[o["id"]]
    en = items_by(await ranking(rk.as_org(ent), "demands", d["id"], english=True))[o["id"]]
    assert zh["points"] == en["points"]
    for czh, cen in zip(zh["components"], en["components"], strict=True):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in czh["reason"]), czh
        assert cen["reason"].isascii() or cen["reason"] != czh["reason"], cen
    assert component(en, "capacity_fit")["reason"].isascii()


async def test_another_organization_cannot_rank_someone_elses_posting(rk: MatchingPlatform):
    ent, school, other = (
        await rk.new_org("enterprise"),
        await rk.new_org("higher_vocational"),
        await rk.new_org("enterprise"),
    )
    d = await demand(rk, ent)
    o = await offer(rk, school)
    for client, path in (
        (rk.as_org(other), f"/v1/demands/{d['id']}/matches"),
        (rk.as_org(school), f"/v1/demands/{d['id']}/matches"),  # even a candidate of it
        (rk.as_org(ent), f"/v1/offers/{o['id']}/matches"),
    ):
        r = await client.get(path)
        assert r.status_code == 404, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await rk.admin.get(f"/v1/demands/{d['id']}/matches")).status_code == 200


async def test_an_offer_ranks_open_demands_of_other_organizations(rk: MatchingPlatform):
    ent, school = await rk.new_org("enterprise"), await rk.new_org("higher_vocational")
    near = await demand(rk, ent)
    far = await demand(rk, ent, major_codes=["520201"], occupation_codes=[], region_code="110101")
    own = await demand(rk, school)
    o = await offer(rk, school)
    body = await ranking(rk.as_org(school, "org_staff"), "offers", o["id"])
    found = items_by(body, "demand_id")
    assert body["offer_id"] == o["id"] and body["degraded"] == []
    assert near["id"] in found and far["id"] in found and own["id"] not in found
    assert found[near["id"]]["points"] > found[far["id"]]["points"]
    assert found[near["id"]]["org_id"] == ent


async def test_sharing_an_alliance_counts_in_the_relationship(rk: MatchingPlatform):
    ent, school, stranger = (
        await rk.new_org("enterprise"),
        await rk.new_org("higher_vocational"),
        await rk.new_org("higher_vocational"),
    )
    alliance = await rk.new_alliance()
    await rk.join(ent, alliance, "2025-01-01")
    await rk.join(school, alliance, "2025-01-01")
    d = await demand(rk, ent)
    partner, other = await offer(rk, school), await offer(rk, stranger)
    found = items_by(await ranking(rk.as_org(ent), "demands", d["id"]))
    assert component(found[partner["id"]], "relationship")["contribution"] > 0
    assert component(found[other["id"]], "relationship")["contribution"] == 0
    assert found[partner["id"]]["points"] > found[other["id"]]["points"]


async def test_limit_is_bounded(rk: MatchingPlatform):
    ent = await rk.new_org("enterprise")
    d = await demand(rk, ent)
    r = await rk.as_org(ent).get(f"/v1/demands/{d['id']}/matches", params={"limit": 0})
    assert r.status_code == 422
    r = await rk.as_org(ent).get(f"/v1/demands/{d['id']}/matches", params={"limit": 1})
    assert r.status_code == 200 and len(r.json()["items"]) <= 1


async def test_a_pair_already_proposed_is_not_ranked_again_until_the_proposal_ends(rk: MatchingPlatform):
    ent, school = await rk.new_org("enterprise"), await rk.new_org("higher_vocational")
    d = await demand(rk, ent)
    o = await offer(rk, school)
    assert o["id"] in items_by(await ranking(rk.as_org(ent), "demands", d["id"]))
    r = await rk.as_org(ent).post("/v1/proposals", json={"demand_id": d["id"], "offer_id": o["id"]})
    assert r.status_code == 201, r.text
    # pending: neither side sees the other among its candidates
    assert o["id"] not in items_by(await ranking(rk.as_org(ent), "demands", d["id"]))
    assert d["id"] not in items_by(await ranking(rk.as_org(school), "offers", o["id"]), "demand_id")
    # withdrawn: the pair is a candidate again
    w = await rk.as_org(ent).post(f"/v1/proposals/{r.json()['id']}/withdrawal", json={"reason": "重新评估"})
    assert w.status_code == 200, w.text
    assert o["id"] in items_by(await ranking(rk.as_org(ent), "demands", d["id"]))


async def test_a_ranking_scoped_to_a_fair_ranks_only_its_registered_counterparts(rk: MatchingPlatform):
    # seed 003「2024年聊城市校园人才双选会」: at a fair, an enterprise looks at the schools that came
    alliance = await rk.new_alliance()
    ent, came, stayed = await rk.new_org("enterprise"), await rk.new_org("higher_vocational"), await rk.new_org()
    fair = await new_fair(rk, FairWorld(alliance, came, ent, came, stayed))
    d = await demand(rk, ent)
    at_fair, elsewhere = await offer(rk, came), await offer(rk, stayed)
    await register(rk, fair["id"], came, offer_id=at_fair["id"])
    await register(rk, fair["id"], ent, demand_id=d["id"])
    everywhere = items_by(await ranking(rk.as_org(ent), "demands", d["id"]))
    assert {at_fair["id"], elsewhere["id"]} <= set(everywhere)
    r = await rk.as_org(ent).get(f"/v1/demands/{d['id']}/matches", params={"fair_id": fair["id"]})
    assert r.status_code == 200, r.text
    assert [i["offer_id"] for i in r.json()["items"]] == [at_fair["id"]]
    back = await rk.as_org(came).get(f"/v1/offers/{at_fair['id']}/matches", params={"fair_id": fair["id"]})
    assert [i["demand_id"] for i in back.json()["items"]] == [d["id"]]
    missing = await rk.as_org(ent).get(f"/v1/demands/{d['id']}/matches", params={"fair_id": alliance})
    assert missing.status_code == 404
