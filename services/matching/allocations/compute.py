"""An allocation run's work: collect the open demands and offers of its scope, score every compatible pair with the
ranking engine, solve, store (docs/matching-fairs-allocations.md, "How a run works").

Facts: what this service knows locally counts — the number of past agreements between the demand's and the offer's
organizations (`agreement_parties`), and the same alliance when both postings name one. The training record and the
shortage flag live elsewhere and are not asked here: those components score 0 and say "信息不足" in every pair, so
they shift no pair against another. The hard filters are the ranking's (services/matching/scoring/compat.py:
compatible kinds, different organizations) plus "open": a named demand that is not open is reported as
`filtered:not_open`.

Everything is ordered by id before scoring and the solver canonicalises its input, so the same scope over the same
records gives byte-identical `result` bytes."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from itertools import combinations
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.resources import now
from services.matching.agreements.models import AgreementParty
from services.matching.allocation import AllocationInput, DemandNode, Edge, OfferNode, solve
from services.matching.allocations.models import Allocation, AllocationAssignment
from services.matching.demands.models import Demand
from services.matching.fairs import service as fairs
from services.matching.offers.models import Offer
from services.matching.scoring.columns import Columns
from services.matching.scoring.compat import COMPATIBLE
from services.matching.scoring.profiles import DemandProfile, Facts, OfferProfile
from services.matching.scoring.weights import DEFAULT as WEIGHTS

Progress = Callable[[str, int, int], Awaitable[None]]
# How many demands are scored between two progress reports.
PROGRESS_EVERY = 50


def scope_filter(model: Any, scope: dict[str, Any]) -> list[sa.ColumnElement[bool]]:
    """The WHERE clause of `model`'s (Demand | Offer) rows in the scope (status not included)."""
    if "fair_id" in scope:
        column = "demand_id" if model is Demand else "offer_id"
        return [model.id.in_(fairs.registered_ids(uuid.UUID(scope["fair_id"]), column))]
    if "alliance_id" in scope:
        return [model.alliance_id == uuid.UUID(scope["alliance_id"])]
    if "region_code" in scope:
        return [model.region_code.startswith(scope["region_code"], autoescape=True)]
    key = "demand_ids" if model is Demand else "offer_ids"
    return [model.id.in_([uuid.UUID(i) for i in scope[key]])]


async def collect(session: AsyncSession, scope: dict[str, Any]) -> tuple[list[Demand], list[Offer], dict[str, str]]:
    """The scope's demands and offers, by id. Explicit ids keep a named demand that is not open (reported
    `filtered:not_open`); every other scope takes open postings only."""
    explicit = "demand_ids" in scope
    d: Any = Demand
    o: Any = Offer
    demand_stmt = sa.select(Demand).where(*scope_filter(Demand, scope)).order_by(d.id)
    if not explicit:
        demand_stmt = demand_stmt.where(d.status == "open")
    offer_stmt = sa.select(Offer).where(*scope_filter(Offer, scope), o.status == "open").order_by(o.id)
    demands = list((await session.execute(demand_stmt)).scalars())
    offers = list((await session.execute(offer_stmt)).scalars())
    filtered = {str(x.id): "not_open" for x in demands if x.status != "open"}
    return demands, offers, filtered


async def past_agreements(
    session: AsyncSession, demand_orgs: set[uuid.UUID], offer_orgs: set[uuid.UUID]
) -> dict[frozenset[uuid.UUID], int]:
    """How many agreements each pair of organizations share as parties (only pairs of the given organizations)."""
    p: Any = AgreementParty
    orgs = demand_orgs | offer_orgs
    if not orgs:
        return {}
    rows = await session.execute(
        sa.select(p.agreement_id, p.org_id).where(p.org_id.in_(orgs)).order_by(p.agreement_id, p.org_id)
    )
    by_agreement: dict[uuid.UUID, set[uuid.UUID]] = {}
    for agreement_id, org_id in rows:
        by_agreement.setdefault(agreement_id, set()).add(org_id)
    counts: dict[frozenset[uuid.UUID], int] = {}
    for members in by_agreement.values():
        for a, b in combinations(sorted(members), 2):
            key = frozenset((a, b))
            counts[key] = counts.get(key, 0) + 1
    return counts


def demand_profile(row: Demand) -> DemandProfile:
    return DemandProfile(
        id=str(row.id),
        org_id=str(row.org_id),
        kind=row.kind,
        major_codes=tuple(row.major_codes),
        occupation_codes=tuple(row.occupation_codes),
        education_level=row.education_level,
        headcount=row.headcount,
        region_code=row.region_code,
        period_start=row.period_start,
        period_end=row.period_end,
        alliance_id=None if row.alliance_id is None else str(row.alliance_id),
    )


def offer_profile(row: Offer) -> OfferProfile:
    return OfferProfile(
        id=str(row.id),
        org_id=str(row.org_id),
        kind=row.kind,
        major_codes=tuple(row.major_codes),
        occupation_codes=tuple(row.occupation_codes),
        education_level=row.education_level,
        count=row.count,
        region_code=row.region_code,
        period_start=row.period_start,
        period_end=row.period_end,
        cohort_year=row.cohort_year,
        alliance_id=None if row.alliance_id is None else str(row.alliance_id),
    )


async def score_pairs(
    session: AsyncSession, demands: list[Demand], offers: list[Offer], filtered: dict[str, str], progress: Progress
) -> list[Edge]:
    """Every pair passing the hard filters, with its points; `progress("scoring", scored, total)` as it goes."""
    counts = await past_agreements(session, {x.org_id for x in demands}, {x.org_id for x in offers})
    columns = Columns.build([offer_profile(x) for x in offers])  # scored by columns: numpy over all offers at once
    offer_orgs = sorted({str(o.org_id) for o in offers})
    facts_of: dict[int, Facts] = {}  # one Facts object per count: the engine memoises by object
    edges: list[Edge] = []
    total = len(demands) * len(offers)
    for i, row in enumerate(demands):
        if str(row.id) not in filtered:
            facts = {}
            for org in offer_orgs:
                n = counts.get(frozenset((row.org_id, uuid.UUID(org))), 0)
                facts[org] = facts_of.setdefault(n, Facts(past_agreements=n))
            demand = demand_profile(row)
            for offer_id, score in columns.points(demand, COMPATIBLE.get(demand.kind, frozenset()), facts, WEIGHTS):
                edges.append(Edge(demand_id=str(row.id), offer_id=offer_id, points=score))
        if (i + 1) % PROGRESS_EVERY == 0:
            await progress("scoring", (i + 1) * len(offers), total)
    await progress("solving", total, total)
    return edges


async def run(session: AsyncSession, row: Allocation, progress: Progress) -> Allocation:
    """Collect, score, solve and store into `row` (in `session`'s transaction)."""
    demands, offers, filtered = await collect(session, row.scope)
    await progress("scoring", 0, len(demands) * len(offers))
    edges = await score_pairs(session, demands, offers, filtered, progress)
    inp = AllocationInput(
        demands=[DemandNode(str(x.id), x.headcount) for x in demands],
        offers=[OfferNode(str(x.id), x.count, str(x.org_id)) for x in offers],
        edges=edges,
        top_k=row.top_k,
        filtered=filtered,
        min_points=row.min_points,
    )
    result = solve(inp)
    for a in result.assignments:
        session.add(
            AllocationAssignment(
                allocation_id=row.id,
                demand_id=uuid.UUID(a.demand_id),
                offer_id=uuid.UUID(a.offer_id),
                count=a.count,
                points=a.points,
            )
        )
    row.demands, row.offers = len(demands), len(offers)
    row.pairs_total = row.pairs_scored = len(demands) * len(offers)
    row.objective, row.greedy_objective = result.objective, result.report.greedy_objective
    row.result = result.result_json()
    row.status, row.phase, row.finished_at = "done", "done", now()
    await session.flush()
    return row
