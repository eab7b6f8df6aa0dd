"""Allocation runs: check the scope and the caller, record the run, and either run it at once (a small scope) or
queue it on the job runner (services/matching/allocations/job.py) — with an audit row and an outbox event for the
request. No HTTP; the router checks the declared access first."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.errors import NotFound, field_error
from chanjiao.ids import new_id
from chanjiao.jobs import enqueue
from chanjiao.resources import Audit, now
from services.matching.allocations import access, compute
from services.matching.allocations.models import Allocation
from services.matching.allocations.schemas import AllocationCreate
from services.matching.db import jobs, kernel
from services.matching.demands.models import Demand
from services.matching.fairs import access as fair_access
from services.matching.fairs import service as fairs
from services.matching.offers.models import Offer

JOB_NAME = "allocation"
AUDIT = Audit(
    kernel,
    "allocation",
    exclude=frozenset(
        {"result", "phase", "pairs_scored", "pairs_total", "started_at", "finished_at", "objective", "greedy_objective"}
    ),
)


class AllocationNotFound(NotFound):
    slug = "allocation-not-found"
    title_zh, title_en = "分配运行不存在", "Allocation not found"


def not_found() -> AllocationNotFound:
    return AllocationNotFound(
        detail_zh="没有该分配运行，或无权查看", detail_en="No such allocation, or not visible to you"
    )


async def _no_progress(phase: str, scored: int, total: int) -> None:
    return None


async def get_visible(session: AsyncSession, principal: Principal, allocation_id: uuid.UUID) -> Allocation:
    row = await session.get(Allocation, allocation_id)
    if row is None or not access.can_read(principal, row):
        raise not_found()
    return row


def scope_kind(data: AllocationCreate) -> str:
    s = data.scope
    given = [k for k in ("fair_id", "alliance_id", "region_code") if getattr(s, k) is not None]
    explicit = s.demand_ids is not None or s.offer_ids is not None
    if len(given) + explicit != 1:
        raise field_error(
            ["body", "scope"],
            "exactly_one",
            "范围须且只须为 fair_id、alliance_id、region_code 或 demand_ids+offer_ids 之一",
            "scope must be exactly one of fair_id, alliance_id, region_code or demand_ids with offer_ids",
        )
    if explicit:
        for key in ("demand_ids", "offer_ids"):
            if not getattr(s, key):
                raise field_error(
                    ["body", "scope", key],
                    "required",
                    "须同时给出需求与供给的 ID",
                    "give both demand_ids and offer_ids",
                )
        return "ids"
    return {"fair_id": "fair", "alliance_id": "alliance", "region_code": "region"}[given[0]]


async def _check_ids(session: AsyncSession, principal: Principal, data: AllocationCreate) -> uuid.UUID | None:
    """Every named demand exists and is the caller's; every named offer exists and is on the market or the caller's
    (422 naming the first that is not; 403 when a demand is another organization's)."""
    demand_ids = list(dict.fromkeys(data.scope.demand_ids or []))
    offer_ids = list(dict.fromkeys(data.scope.offer_ids or []))
    d: Any = Demand
    o: Any = Offer
    demand_orgs = dict((await session.execute(sa.select(d.id, d.org_id).where(d.id.in_(demand_ids)))).all())
    for i, x in enumerate(demand_ids):
        if x not in demand_orgs:
            raise field_error(["body", "scope", "demand_ids", i], "exists", "需求不存在", "No such demand")
    access.ensure_demand_owner(principal, set(demand_orgs.values()))
    offers = {r.id: r for r in (await session.execute(sa.select(o.id, o.org_id, o.status).where(o.id.in_(offer_ids))))}
    for i, x in enumerate(offer_ids):
        r = offers.get(x)
        if r is None or (r.status == "draft" and not principal.acts_for_org(r.org_id, access.ORG_ROLES)):
            raise field_error(["body", "scope", "offer_ids", i], "exists", "供给不存在", "No such offer")
    if principal.is_platform_admin:
        return None
    return uuid.UUID(principal.org_id) if principal.org_id else None


async def create(
    session: AsyncSession, principal: Principal, data: AllocationCreate, *, inline_pairs: int
) -> Allocation:
    """The run, checked and recorded; done at once when demands × offers in scope ≤ `inline_pairs`, else queued."""
    kind = scope_kind(data)
    owner_org_id: uuid.UUID | None = None
    alliance_id: uuid.UUID | None = None
    s = data.scope
    if kind == "fair":
        assert s.fair_id is not None
        fair = await fairs.get(session, s.fair_id)
        fair_access.ensure_manager(principal, fair.organizer_org_id, fair.alliance_id)
        owner_org_id, alliance_id = fair.organizer_org_id, fair.alliance_id
        scope: dict[str, Any] = {"fair_id": str(s.fair_id)}
    elif kind == "alliance":
        assert s.alliance_id is not None
        access.ensure_alliance_admin(principal, s.alliance_id)
        alliance_id = s.alliance_id
        scope = {"alliance_id": str(s.alliance_id)}
    elif kind == "region":
        access.ensure_platform_admin(principal)
        scope = {"region_code": s.region_code}
    else:
        owner_org_id = await _check_ids(session, principal, data)
        scope = {
            "demand_ids": sorted({str(x) for x in s.demand_ids or []}),
            "offer_ids": sorted({str(x) for x in s.offer_ids or []}),
        }
    row = Allocation(
        id=new_id(),
        scope_kind=kind,
        scope=scope,
        top_k=data.top_k,
        min_points=data.min_points,
        owner_org_id=owner_org_id,
        alliance_id=alliance_id,
        status="queued",
        phase="queued",
        actor=principal.actor,
        created_at=now(),
    )
    session.add(row)
    await AUDIT.created(session, row, actor=principal.actor)
    demands, offers, _ = await compute.collect(session, scope)
    if len(demands) * len(offers) <= inline_pairs:
        row.status, row.phase, row.started_at = "running", "collecting", now()
        await compute.run(session, row, _no_progress)
    else:
        row.pairs_total = len(demands) * len(offers)
        await enqueue(session, jobs, JOB_NAME, {"allocation_id": str(row.id)}, key=str(row.id), max_attempts=1)
    return row
