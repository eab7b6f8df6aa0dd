"""Proposal rules: make one on an open (demand, offer) pair, answer it (accept → an agreement in the same
transaction, decline, withdraw), expire the unanswered ones — each change with an audit row and an outbox event in
the caller's transaction (chanjiao/resources.py). Knows nothing of HTTP: the router checks the caller
(proposals/access.py) and the membership facts of the agreement (services/matching/agreements/references.py)
first (docs/matching-proposals.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.dates import today
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load_kept, now, record_named
from chanjiao.sync import Since, SyncPage, sync_page
from services.matching.agreements import service as agreements
from services.matching.agreements.schemas import AgreementCreate
from services.matching.db import kernel
from services.matching.demands import service as demands
from services.matching.offers import service as offers
from services.matching.proposals import access
from services.matching.proposals.models import LIFECYCLE, Proposal, ProposalStatus
from services.matching.proposals.schemas import ProposalCreate
from services.matching.scoring.compat import COMPATIBLE, compatible

ENTITY = "proposal"
AUDIT = Audit(kernel, ENTITY)
EXPIRY_ACTOR = "job:proposal_expiry"

# The agreement an accepted proposal becomes, by the demand's kind. A recruitment (employment) of the school's
# graduates is recorded as an order_class agreement: the kind whose students the enterprise takes on.
AGREEMENT_KIND = {
    "order_class": "order_class",
    "apprenticeship": "apprenticeship",
    "internship": "internship_base",
    "rnd": "rnd_project",
    "training": "training_service",
    "co_built_base": "co_built_base",
    "employment": "order_class",
}


class ProposalNotFound(NotFound):
    slug = "proposal-not-found"
    title_zh, title_en = "合作意向不存在", "Proposal not found"


class ProposalPending(Conflict):
    slug = "proposal-pending"
    title_zh, title_en = "已有待答复的合作意向", "A proposal is pending"


class PostingNotOpen(Conflict):
    slug = "posting-not-open"
    title_zh, title_en = "需求或供给未发布", "Demand or offer not open"


def not_found() -> ProposalNotFound:
    return ProposalNotFound(detail_zh="没有该合作意向，或无权查看", detail_en="No such proposal, or it is not visible")


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get_visible(
    session: AsyncSession, principal: Principal, proposal_id: uuid.UUID, *, for_update: bool = False
) -> Proposal:
    row = await load_kept(session, Proposal, proposal_id, not_found=not_found, for_update=for_update)
    if not access.can_read(principal, row):
        raise not_found()
    return row


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    where: Iterable[sa.ColumnElement[bool]],
    since: Since,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    """A page of the proposals the caller may read, with the sync token of the walk (chanjiao/sync.py). Who may read one
    never changes (its parties are fixed when it is made), so nothing leaves a caller's view."""
    stmt = sa.select(Proposal)
    visible = access.visible(principal)
    if visible is not None:
        stmt = stmt.where(visible)
    for clause in where:
        stmt = stmt.where(clause)
    return await sync_page(session, stmt, Proposal, since=since, cursor=cursor, limit=limit)


# ---- checks --------------------------------------------------------------------------------------------------------
def ensure_open(demand: Any, offer: Any) -> None:
    for name, zh, row in (("demand", "需求", demand), ("offer", "供给", offer)):
        if row.status != "open":
            raise PostingNotOpen(
                detail_zh=f"{zh}的状态为 {row.status}，只有已发布（open）的才能对接",
                detail_en=f"The {name} is {row.status}; only open ones can be matched",
                extra={f"{name}_status": row.status},
            )


def check_pair(demand: Any, offer: Any) -> None:
    if not compatible(demand.kind, offer.kind):
        allowed = sorted(COMPATIBLE.get(demand.kind, frozenset()))
        raise field_error(
            ["body", "offer_id"],
            "incompatible_kinds",
            f"供给类型 {offer.kind} 不适合 {demand.kind} 需求；可用：{'、'.join(allowed)}",
            f"An offer of kind {offer.kind} does not meet a {demand.kind} demand; allowed: {', '.join(allowed)}",
        )
    if demand.org_id == offer.org_id:
        raise field_error(
            ["body", "offer_id"],
            "same_organization",
            "需求和供给属于同一单位",
            "The demand and the offer belong to the same organization",
        )


def _pending_conflict() -> ProposalPending:
    return ProposalPending(
        detail_zh="这对需求和供给已有一项待答复的合作意向",
        detail_en="This demand and offer already have a pending proposal",
    )


# ---- writes --------------------------------------------------------------------------------------------------------
async def create(session: AsyncSession, *, principal: Principal, data: ProposalCreate, actor: str) -> Proposal:
    """A pending proposal between an open demand and an open offer of compatible kinds and different organizations,
    by a principal of one of them (403 otherwise); 409 when the pair has a pending one already."""
    demand = await demands.get_visible(session, principal, data.demand_id)
    offer = await offers.get_visible(session, principal, data.offer_id)
    proposer = access.ensure_party(principal, demand.org_id, offer.org_id)
    check_pair(demand, offer)
    ensure_open(demand, offer)
    stamp = now()
    row = Proposal(
        id=new_id(),
        demand_id=demand.id,
        offer_id=offer.id,
        demand_org_id=demand.org_id,
        offer_org_id=offer.org_id,
        proposer_org_id=proposer,
        alliance_id=demand.alliance_id,
        message=data.message,
        status="pending",
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        if "uq_proposals_pending_pair" in str(exc.orig):
            raise _pending_conflict() from None
        raise
    await AUDIT.created(session, row, actor=actor)
    return row


async def postings(session: AsyncSession, row: Proposal, *, for_update: bool = False) -> tuple[Any, Any]:
    return (
        await demands.get(session, row.demand_id, for_update=for_update),
        await offers.get(session, row.offer_id, for_update=for_update),
    )


def counterparty(row: Proposal) -> uuid.UUID:
    return row.offer_org_id if row.proposer_org_id == row.demand_org_id else row.demand_org_id


def ensure_may_answer(principal: Principal, row: Proposal, to: str) -> None:
    """The counterparty accepts and declines, the proposer withdraws (403); a move the lifecycle does not allow is
    409 (only a pending proposal is answered)."""
    if to == "withdrawn":
        access.ensure_acts_for(principal, row.proposer_org_id, ("提出方", "the proposer"))
    else:
        access.ensure_acts_for(principal, counterparty(row), ("被邀请方", "the counterparty"))
    LIFECYCLE.check(row.status, to)


def agreement_terms(demand: Any, offer: Any) -> AgreementCreate:
    """The draft agreement an acceptance creates: the school (the offer's organization) and the enterprise (the
    demand's), the kind mapped from the demand's, the period of the demand (else the offer's, else from today), and
    as many students as both sides can take."""
    start = demand.period_start or offer.period_start or today()
    end = demand.period_end or offer.period_end
    if end is not None and end < start:
        end = None
    return AgreementCreate(
        kind=AGREEMENT_KIND[demand.kind],
        title=demand.title,
        parties=[
            {"org_id": offer.org_id, "role": "school"},
            {"org_id": demand.org_id, "role": "enterprise"},
        ],
        alliance_id=demand.alliance_id,
        period_start=start,
        period_end=end,
        planned_students=min(demand.headcount, offer.count),
    )


async def _answer(
    session: AsyncSession, row: Proposal, *, to: str, reason: str | None, actor: str, stamp: datetime
) -> None:
    before = AUDIT.snapshot(row)
    row.status = to
    row.reason = reason
    row.answered_at = stamp
    row.answered_by = actor
    row.version += 1
    row.updated_at = stamp
    await session.flush()
    await record_named(
        AUDIT,
        session,
        row,
        action="transition",
        event=to,
        actor=actor,
        before=before,
        after=AUDIT.snapshot(row),
        payload={
            "from": "pending",
            "to": to,
            "demand_id": row.demand_id,
            "offer_id": row.offer_id,
            "agreement_id": row.agreement_id,
            "reason": reason,
        },
    )


async def accept(
    session: AsyncSession, *, row: Proposal, terms: AgreementCreate, reason: str | None, actor: str
) -> Any:
    """`row` is locked and checked by the caller (`ensure_may_answer`), and the demand and offer are still open
    (`ensure_open`): the draft agreement (`agreements.create_agreement`) and the accepted proposal naming it, in one
    transaction."""
    agreement = await agreements.create_agreement(
        session, terms, actor, proposal_id=row.id, demand_id=row.demand_id, offer_id=row.offer_id
    )
    row.agreement_id = agreement.id
    await _answer(session, row, to="accepted", reason=reason, actor=actor, stamp=now())
    return agreement


async def close(session: AsyncSession, *, row: Proposal, to: str, reason: str | None, actor: str) -> Proposal:
    """A declination or a withdrawal of a locked, checked proposal."""
    await _answer(session, row, to=to, reason=reason, actor=actor, stamp=now())
    return row


async def expire(session: AsyncSession, *, at: datetime, days: int) -> int:
    """Every proposal still pending `days` days after it was made expires as of `at`, with its audit row and one
    `proposal.expired` event; returns how many. The UPDATE takes each row's lock and re-reads its status under it,
    so two runs at once (or a run racing an answer) expire a proposal once, or not at all."""
    p: Any = Proposal
    cutoff = at - timedelta(days=days)
    stmt = (
        sa.update(p)
        .where(p.status == "pending", p.created_at <= cutoff)
        .values(status="expired", answered_at=at, answered_by=EXPIRY_ACTOR, version=p.version + 1, updated_at=at)
        .returning(p)
        .execution_options(synchronize_session=False)
    )
    rows = list((await session.execute(stmt)).scalars())
    for row in rows:
        after = AUDIT.snapshot(row)
        before = {**after, "status": "pending", "answered_at": None, "answered_by": None}
        await record_named(
            AUDIT,
            session,
            row,
            action="transition",
            event="expired",
            actor=EXPIRY_ACTOR,
            before=before,
            after=after,
            payload={"from": "pending", "to": "expired", "demand_id": row.demand_id, "offer_id": row.offer_id},
        )
    return len(rows)


async def proposed_counterparts(
    session: AsyncSession, *, demand_id: str | None = None, offer_id: str | None = None
) -> frozenset[str]:
    """The offers a demand (or the demands an offer) already has a live proposal with — pending or accepted: the
    ranking leaves them out (docs/matching-ranking-routes.md, "Hard filters")."""
    p: Any = Proposal
    live = p.status.in_([ProposalStatus.pending.value, ProposalStatus.accepted.value])
    if demand_id is not None:
        stmt = sa.select(p.offer_id).where(p.demand_id == uuid.UUID(str(demand_id)), live)
    else:
        stmt = sa.select(p.demand_id).where(p.offer_id == uuid.UUID(str(offer_id)), live)
    return frozenset(str(x) for x in (await session.execute(stmt)).scalars())
