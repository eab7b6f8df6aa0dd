"""`GET /v1/matching-stats` through the gateway, on a small world built through the API, every figure checked
against a number worked out by hand below (never by running the same SQL again).

Demands and offers are opened today (a transition cannot be dated before the record was created), so the period
asked is the current calendar year (`YEAR`) unless said otherwise. Alliance A; memberships (`ended_on` is the day
the organization left):

    E   enterprise  joined 2020-01-01, still a member
    S   school      joined 2020-01-01, still a member
    E2  enterprise  joined <YEAR>-01-01, left <YEAR>-06-01     → member 01-01 … 05-31 of YEAR
    O   enterprise  never a member
    P   school      never a member

Demands (org, kind, headcount, what happened):   D1 E order_class 40 opened · D2 E internship 10 opened, closed ·
    D3 E apprenticeship 25 draft (never opened) · D4 E2 employment 5 opened (after E2 left) · D5 O order_class 20
    opened.
Offers:   F1 S graduates 30 opened · F2 S interns 15 opened · F3 S graduates 60 draft.
Agreements (parties, kind, period, planned students, commitment, status) and payments:
    G1 S+E   order_class       2025-09-01 … 2028-06-30  40  1000.00  active  · 300.10 paid 2025-09-30, 200.00 paid
                                                                               <YEAR>-03-01
    G2 S+E2  internship_base   <YEAR>-02-01 … <YEAR>-12-31  10  500.00  draft
    G3 S+E   rnd_project       <YEAR+1>-01-01 … (open)  —   0.00     draft   (starts after the period)
    G4 P+E2  co_built_base     <YEAR>-07-01 … <YEAR>-12-31  —   800.00  signed · 100.00 paid <YEAR>-07-02
                                                                               (P never, E2 no longer a member)
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from chanjiao.dates import today
from services.matching.stats.members import AllianceRolls
from tests.matching.conftest import MatchingPlatform, demand_body, offer_body

YEAR = today().year
THIS_YEAR = {"period_start": f"{YEAR}-01-01", "period_end": f"{YEAR}-12-31"}


async def _agreement(
    mp: MatchingPlatform, parties: list[tuple[str, str]], kind: str, start: str, end: str | None, **extra: Any
) -> str:
    body = {
        "kind": kind,
        "title": f"统计测试协议{kind}",
        "parties": [{"org_id": org, "role": role} for org, role in parties],
        "period_start": start,
        "period_end": end,
        **extra,
    }
    r = await mp.as_org(parties[0][0]).post("/v1/agreements", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _step(mp: MatchingPlatform, org: str, agreement: str, to: str, on: str) -> None:
    r = await mp.as_org(org).post(f"/v1/agreements/{agreement}/transitions", json={"to": to, "effective_on": on})
    assert r.status_code == 200, r.text


async def _pay(mp: MatchingPlatform, payer: str, agreement: str, amount: str, on: str) -> None:
    body = {"amount": amount, "paid_on": on, "payer_org_id": payer}
    r = await mp.as_org(payer).post(f"/v1/agreements/{agreement}/payments", json=body)
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
async def world(mp: MatchingPlatform) -> dict[str, str]:
    w = {
        "E": await mp.new_org("enterprise"),
        "S": await mp.new_org("higher_vocational"),
        "E2": await mp.new_org("enterprise"),
        "O": await mp.new_org("enterprise"),
        "P": await mp.new_org("higher_vocational"),
        "A": await mp.new_alliance(),
    }
    await mp.join(w["E"], w["A"], "2020-01-01")
    await mp.join(w["S"], w["A"], "2020-01-01")
    await mp.join(w["E2"], w["A"], f"{YEAR}-01-01", f"{YEAR}-06-01")

    await mp.post("demands", w["E"], demand_body(w["E"], headcount=40), open_it=True)
    d2 = await mp.post("demands", w["E"], demand_body(w["E"], kind="internship", headcount=10), open_it=True)
    r = await mp.as_org(w["E"]).post(f"/v1/demands/{d2['id']}/transitions", json={"to": "closed"})
    assert r.status_code == 200, r.text
    await mp.post("demands", w["E"], demand_body(w["E"], kind="apprenticeship", headcount=25))
    await mp.post("demands", w["E2"], demand_body(w["E2"], kind="employment", headcount=5), open_it=True)
    await mp.post("demands", w["O"], demand_body(w["O"], headcount=20), open_it=True)
    await mp.post("offers", w["S"], offer_body(w["S"], count=30), open_it=True)
    await mp.post("offers", w["S"], offer_body(w["S"], kind="interns", count=15), open_it=True)
    await mp.post("offers", w["S"], offer_body(w["S"], count=60))

    g1 = await _agreement(
        mp,
        [(w["S"], "school"), (w["E"], "enterprise")],
        "order_class",
        "2025-09-01",
        "2028-06-30",
        planned_students=40,
        committed_amount="1000.00",
        payer_org_id=w["E"],
    )
    await _step(mp, w["S"], g1, "signed", "2025-08-20")
    await _step(mp, w["S"], g1, "active", "2025-09-01")
    await _pay(mp, w["E"], g1, "300.10", "2025-09-30")
    await _pay(mp, w["E"], g1, "200.00", f"{YEAR}-03-01")
    await _agreement(
        mp,
        [(w["S"], "school"), (w["E2"], "enterprise")],
        "internship_base",
        f"{YEAR}-02-01",
        f"{YEAR}-12-31",
        planned_students=10,
        committed_amount="500.00",
        payer_org_id=w["E2"],
    )
    await _agreement(mp, [(w["S"], "school"), (w["E"], "enterprise")], "rnd_project", f"{YEAR + 1}-01-01", None)
    g4 = await _agreement(
        mp,
        [(w["P"], "school"), (w["E2"], "enterprise")],
        "co_built_base",
        f"{YEAR}-07-01",
        f"{YEAR}-12-31",
        committed_amount="800.00",
        payer_org_id=w["E2"],
    )
    await _step(mp, w["E2"], g4, "signed", f"{YEAR}-06-20")
    await _pay(mp, w["E2"], g4, "100.00", f"{YEAR}-07-02")
    return w


async def _stats(client, **params: Any) -> dict[str, Any]:
    r = await client.get("/v1/matching-stats", params=params)
    assert r.status_code == 200, r.text
    assert "db;dur=" in r.headers["server-timing"]
    return r.json()


def _kinds(block: dict[str, Any], figure: str) -> dict[str, int]:
    """The non-zero figures of a block's `by_kind`, by kind."""
    return {k["kind"]: k[figure] for k in block["by_kind"] if k[figure]}


async def test_an_alliance_counts_its_members_records_while_they_were_members(mp, world):
    body = await _stats(mp.as_alliance(world["A"]), alliance_id=world["A"], **THIS_YEAR)
    assert body["scope"] == "members" and body["member_orgs"] == 3  # E, S, E2 (O never joined)
    # D1, D2 of E; not D3 (a draft), D4 (opened after E2 left), D5 (O).
    assert (body["demands"]["count"], body["demands"]["headcount"]) == (2, 50)
    assert _kinds(body["demands"], "headcount") == {"order_class": 40, "internship": 10}
    assert body["demands"]["by_status"] == {"open": 1, "matched": 0, "closed": 1, "cancelled": 0}
    assert [k["kind"] for k in body["demands"]["by_kind"]][:2] == ["order_class", "apprenticeship"]  # zeros listed
    # F1, F2 of S; not F3 (a draft).
    assert (body["offers"]["count"], body["offers"]["places"]) == (2, 45)
    assert _kinds(body["offers"], "places") == {"graduates": 30, "interns": 15}
    # G1 (S, E) counts once though two members are parties; G2 through S (and E2 in February … May); not G3
    # (starts next year), not G4 (its parties: P never a member, E2 gone by July).
    agreements = body["agreements"]
    assert (agreements["count"], agreements["planned_students"]) == (2, 50)
    assert agreements["by_status"] == {"draft": 1, "signed": 0, "active": 1, "completed": 0, "terminated": 0}
    by_kind = {k["kind"]: k for k in agreements["by_kind"]}
    assert by_kind["order_class"]["count"] == 1 and by_kind["order_class"]["by_status"]["active"] == 1
    assert by_kind["internship_base"]["by_status"]["draft"] == 1 and by_kind["industry_college"]["count"] == 0
    # Committed: G1 only (G2 is a draft); paid this year: G1's 200.00 (its 300.10 was paid in 2025).
    assert body["funding"] == {"committed": "1000.00", "paid": "200.00", "payments": 1}


async def test_an_organization_counts_its_own_records(mp, world):
    e2 = await _stats(mp.as_org(world["E2"], "org_staff"), org_id=world["E2"], **THIS_YEAR)
    assert e2["scope"] == "organization" and e2["member_orgs"] == 1 and e2["alliance_id"] is None
    assert (e2["demands"]["count"], e2["demands"]["headcount"]) == (1, 5)
    assert _kinds(e2["demands"], "count") == {"employment": 1}
    assert e2["offers"]["count"] == 0
    # G2 (draft) and G4 (signed): both in force this year; only G4's 800.00 is committed; G4's payment 100.00.
    assert e2["agreements"]["count"] == 2 and e2["agreements"]["by_status"]["signed"] == 1
    assert e2["funding"] == {"committed": "800.00", "paid": "100.00", "payments": 1}
    # E in 2025: G1 in force from 2025-09-01 with its first payment; no demand opened in 2025.
    e = await _stats(mp.as_org(world["E"]), org_id=world["E"], period_start="2025-01-01", period_end="2025-12-31")
    assert e["demands"]["count"] == 0 and e["agreements"]["count"] == 1
    assert e["funding"] == {"committed": "1000.00", "paid": "300.10", "payments": 1}


async def test_a_period_with_nothing_answers_zeros(mp, world):
    body = await _stats(mp.admin, alliance_id=world["A"], period_start="2010-01-01", period_end="2010-12-31")
    assert body["member_orgs"] == 0 and body["demands"]["count"] == 0 and body["agreements"]["count"] == 0
    assert body["funding"] == {"committed": "0.00", "paid": "0.00", "payments": 0}


async def test_who_may_read(mp, world):
    params = {"org_id": world["E"], **THIS_YEAR}
    assert (await mp.anonymous.get("/v1/matching-stats", params=params)).status_code == 401
    r = await mp.as_org(world["S"]).get("/v1/matching-stats", params=params)  # another organization
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    # An alliance's admin reads the alliance's figures, not one member's own.
    assert (await mp.as_alliance(world["A"]).get("/v1/matching-stats", params=params)).status_code == 403
    other = await mp.new_alliance()
    r = await mp.as_alliance(other).get("/v1/matching-stats", params={"alliance_id": world["A"], **THIS_YEAR})
    assert r.status_code == 403
    r = await mp.admin.get("/v1/matching-stats", params={"alliance_id": other, **THIS_YEAR})
    assert r.status_code == 200 and r.json()["member_orgs"] == 0
    unknown = "00000000-0000-4000-8000-000000000001"
    r = await mp.admin.get("/v1/matching-stats", params={"alliance_id": unknown, **THIS_YEAR})
    assert r.status_code == 404


async def test_bad_parameters_name_the_field_and_the_rule(mp, world):
    async def errors(params: dict[str, Any], **headers: str) -> dict[str, Any]:
        r = await mp.admin.get("/v1/matching-stats", params=params, headers=headers)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
        return r.json()

    body = await errors(THIS_YEAR)
    assert {(e["loc"][-1], e["type"]) for e in body["errors"]} == {("org_id", "missing"), ("alliance_id", "missing")}
    body = await errors({"org_id": world["E"], "alliance_id": world["A"], **THIS_YEAR})
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [(["query", "alliance_id"], "exclusive")]
    body = await errors({"org_id": world["E"], "period_start": "2026-02-01", "period_end": "2026-01-31"})
    assert body["errors"][0]["type"] == "period_order" and body["errors"][0]["msg"] == "结束日期不能早于开始日期"
    body = await errors(
        {"org_id": world["E"], "period_start": "2010-01-01", "period_end": "2020-01-01"}, **{"Accept-Language": "en"}
    )
    assert body["errors"][0]["type"] == "period_span" and body["errors"][0]["msg"] == "At most 10 years"
    r = await mp.admin.get("/v1/matching-stats", params={"org_id": world["E"], "year": "2026", **THIS_YEAR})
    assert r.status_code == 400  # unknown query parameters are refused


async def test_membership_down_answers_from_the_cache_then_503_never_a_500(mp, world):
    """The alliance's members come from membership: within the cache's TTL the figures are answered while it is down;
    past it they are 503 with Retry-After (problem+json), never a 500."""
    client = mp.as_alliance(world["A"])
    params = {"alliance_id": world["A"], **THIS_YEAR}
    assert (await _stats(client, **params))["member_orgs"] == 3
    state = mp.platform.upstreams["matching"].app.state
    rolls, state.alliance_rolls = state.alliance_rolls, AllianceRolls(ttl=0.3)
    await _stats(client, **params)  # asked again, now cached for 0.3 s
    membership = mp.platform.upstreams["membership"]
    await membership.stop()
    try:
        assert (await _stats(client, **params))["demands"]["count"] == 2  # within the TTL: the cached members
        await asyncio.sleep(0.35)
        r = await client.get("/v1/matching-stats", params=params)
        assert r.status_code == 503 and r.headers["retry-after"], r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    finally:
        await membership.start()
        state.alliance_rolls = rolls
    assert (await _stats(client, **params))["member_orgs"] == 3
