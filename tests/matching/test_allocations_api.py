"""Allocation runs through the gateway: over a fair the stored optimum equals an exhaustive search on the same scores,
the stored result is byte-identical run after run, a large run is a background job whose status and progress are
readable, and who may run and read which scope."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.matching.allocation import AllocationInput, DemandNode, Edge, OfferNode
from services.matching.allocations import compute
from services.matching.scoring.engine import rank
from services.matching.scoring.profiles import DemandProfile, Facts, OfferProfile
from tests.matching.allocation_support import brute_force_objective
from tests.matching.conftest import MatchingPlatform, demand_body, offer_body
from tests.matching.fair_support import FairWorld, fair_world, new_fair, register


@pytest.fixture(scope="module")
async def w(mp: MatchingPlatform) -> FairWorld:
    return await fair_world(mp)


@pytest.fixture(scope="module")
async def fair(mp: MatchingPlatform, w: FairWorld) -> dict[str, Any]:
    """A fair with two order-class demands and three offers of different fit (majors, levels, counts)."""
    f = await new_fair(mp, w)
    second = await mp.new_org("enterprise")
    postings = [
        ("demands", w.enterprise, demand_body(w.enterprise, headcount=3)),
        ("demands", second, demand_body(second, headcount=2, major_codes=["460104"], title="机械制造订单班")),
        ("offers", w.school_a, offer_body(w.school_a, count=2)),
        ("offers", w.school_b, offer_body(w.school_b, count=2, major_codes=["460104"], education_level=None)),
        ("offers", w.organizer, offer_body(w.organizer, count=3, major_codes=["460104", "460103"])),
    ]
    f["postings"] = []
    for noun, org, body in postings:
        record = await mp.post(noun, org, {k: v for k, v in body.items() if v is not None}, open_it=True)
        key = "demand_id" if noun == "demands" else "offer_id"
        await register(mp, f["id"], org, **{key: record["id"]})
        f["postings"].append((noun, record))
    return f


def _same_scores_input(fair: dict[str, Any]) -> AllocationInput:
    """The fair's pairs scored by the ranking engine straight from the postings as the API shows them (no past
    agreements between these organizations)."""
    demands = [r for n, r in fair["postings"] if n == "demands"]
    offers = [r for n, r in fair["postings"] if n == "offers"]
    profiles = [
        OfferProfile(
            id=o["id"],
            org_id=o["org_id"],
            kind=o["kind"],
            major_codes=tuple(o["major_codes"]),
            occupation_codes=tuple(o.get("occupation_codes") or ()),
            education_level=o.get("education_level"),
            count=o["count"],
            region_code=o["region_code"],
            cohort_year=o.get("cohort_year"),
        )
        for o in offers
    ]
    edges = []
    for d in demands:
        profile = DemandProfile(
            id=d["id"],
            org_id=d["org_id"],
            kind=d["kind"],
            major_codes=tuple(d["major_codes"]),
            occupation_codes=tuple(d["occupation_codes"]),
            education_level=d["education_level"],
            headcount=d["headcount"],
            region_code=d["region_code"],
        )
        facts = {o["id"]: Facts(past_agreements=0) for o in offers}
        edges += [Edge(d["id"], c.offer_id, c.points) for c in rank(profile, profiles, facts, limit=None)]
    return AllocationInput(
        demands=[DemandNode(d["id"], d["headcount"]) for d in demands],
        offers=[OfferNode(o["id"], o["count"], o["org_id"]) for o in offers],
        edges=edges,
    )


async def test_an_allocation_over_a_fair_is_the_optimum_and_reproducible(mp: MatchingPlatform, w: FairWorld, fair):
    # seed 003「2024年聊城市校园人才双选会」: the places offered at a fair go to the demands where they fit best
    organizer = mp.as_org(w.organizer)
    r = await organizer.post("/v1/allocations", json={"scope": {"fair_id": fair["id"]}})
    assert r.status_code == 202, r.text
    run = r.json()
    assert r.headers["location"] == f"/v1/allocations/{run['id']}"
    assert run["status"] == "done" and run["demands"] == 2 and run["offers"] == 3
    assert run["progress"] == {"phase": "done", "pairs_scored": 6, "pairs_total": 6}

    inp = _same_scores_input(fair)
    assert run["objective"] == brute_force_objective(inp) > 0
    assert run["greedy_objective"] <= run["objective"]
    result = run["result"]
    assert result["objective"] == run["objective"]
    # Capacities hold: no demand gets more than its headcount, no offer gives more than its count.
    headcount = {d.id: d.headcount for d in inp.demands}
    capacity = {o.id: o.capacity for o in inp.offers}
    for a in result["assignments"]:
        headcount[a["demand_id"]] -= a["count"]
        capacity[a["offer_id"]] -= a["count"]
    assert min(headcount.values()) >= 0 and min(capacity.values()) >= 0
    assert result["report"]["headcount_requested"] == 5

    # The same scope again: another run, the same stored bytes.
    again = (await organizer.post("/v1/allocations", json={"scope": {"fair_id": fair["id"]}})).json()
    assert again["id"] != run["id"]
    first = await organizer.get(f"/v1/allocations/{run['id']}/result")
    second = await organizer.get(f"/v1/allocations/{again['id']}/result")
    assert first.status_code == 200 and first.headers["content-type"].startswith("application/json")
    assert first.content == second.content
    # And the alliance's admin reads it.
    assert (await mp.as_alliance(w.alliance).get(f"/v1/allocations/{run['id']}")).status_code == 200


async def test_a_large_run_is_a_background_job_with_progress(mp: MatchingPlatform, w: FairWorld, fair, monkeypatch):
    app = mp.platform.upstreams["matching"].app
    reader = mp.as_org(w.organizer)
    inline = (await reader.post("/v1/allocations", json={"scope": {"fair_id": fair["id"]}})).json()
    # While the job runs — its pairs scored, the solver not yet called — a reader sees its progress.
    seen: list[dict[str, Any]] = []
    score_pairs = compute.score_pairs

    async def scoring_then_look(*args: Any, **kwargs: Any):
        edges = await score_pairs(*args, **kwargs)
        seen.append((await reader.get(f"/v1/allocations/{queued['id']}")).json())
        return edges

    monkeypatch.setattr(compute, "score_pairs", scoring_then_look)
    inline_pairs, app.state.settings.allocation_inline_pairs = app.state.settings.allocation_inline_pairs, 0
    try:
        r = await mp.as_alliance(w.alliance).post("/v1/allocations", json={"scope": {"fair_id": fair["id"]}})
    finally:
        app.state.settings.allocation_inline_pairs = inline_pairs
    assert r.status_code == 202, r.text
    queued = r.json()
    assert queued["status"] == "queued" and queued["result"] is None
    assert queued["progress"] == {"phase": "queued", "pairs_scored": 0, "pairs_total": 6}

    await app.state.jobs.run_due()
    for _ in range(100):
        done = (await reader.get(f"/v1/allocations/{queued['id']}")).json()
        if done["status"] == "done":
            break
        await asyncio.sleep(0.1)
    assert done["status"] == "done", done
    assert [(x["status"], x["progress"]) for x in seen] == [
        ("running", {"phase": "solving", "pairs_scored": 6, "pairs_total": 6})
    ]
    assert done["progress"] == {"phase": "done", "pairs_scored": 6, "pairs_total": 6}
    assert done["started_at"] is not None and done["finished_at"] is not None
    # The job's result is the inline run's, byte for byte.
    a = await reader.get(f"/v1/allocations/{queued['id']}/result")
    b = await reader.get(f"/v1/allocations/{inline['id']}/result")
    assert a.content == b.content


async def test_who_may_run_and_read_an_allocation(mp: MatchingPlatform, w: FairWorld, fair):
    demand = next(r for n, r in fair["postings"] if n == "demands" and r["org_id"] == w.enterprise)
    offers = [r["id"] for n, r in fair["postings"] if n == "offers"]
    explicit = {"scope": {"demand_ids": [demand["id"]], "offer_ids": offers}, "top_k": 2}
    # The enterprise allocates its own demand over named offers.
    r = await mp.as_org(w.enterprise, "org_staff").post("/v1/allocations", json=explicit)
    assert r.status_code == 202, r.text
    own = r.json()
    assert own["status"] == "done" and own["result"]["report"]["top_k"] == 2
    # Another enterprise may not allocate it (403), nor read the run (404, as if it did not exist).
    other = await mp.new_org("enterprise")
    assert (await mp.as_org(other).post("/v1/allocations", json=explicit)).status_code == 403
    assert (await mp.as_org(other).get(f"/v1/allocations/{own['id']}")).status_code == 404
    assert (await mp.as_org(other).get(f"/v1/allocations/{own['id']}/result")).status_code == 404
    # A fair is run by its managers only: not a school registered at it, not another alliance's admin.
    fair_scope = {"scope": {"fair_id": fair["id"]}}
    assert (await mp.as_org(w.school_a).post("/v1/allocations", json=fair_scope)).status_code == 403
    assert (await mp.as_alliance(await mp.new_alliance()).post("/v1/allocations", json=fair_scope)).status_code == 403
    # An alliance's admin runs the alliance; only platform admins run a region.
    assert (
        await mp.as_alliance(w.alliance).post("/v1/allocations", json={"scope": {"alliance_id": w.alliance}})
    ).status_code == 202
    region = {"scope": {"region_code": "37"}}
    assert (await mp.as_alliance(w.alliance).post("/v1/allocations", json=region)).status_code == 403
    assert (await mp.admin.post("/v1/allocations", json=region)).status_code == 202
    # A scope is exactly one kind (422 naming `body.scope`, in English on request).
    r = await mp.admin.post(
        "/v1/allocations",
        json={"scope": {"fair_id": fair["id"], "region_code": "37"}},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "scope"]
    assert "exactly one" in r.json()["errors"][0]["msg"]
    r = await mp.as_org(w.enterprise).post(
        "/v1/allocations", json={"scope": {"demand_ids": [demand["id"]], "offer_ids": [demand["id"]]}}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "scope", "offer_ids", 0]
