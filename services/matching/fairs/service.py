"""Fair rules and writes: create, transitions, registrations (register, withdraw) and the fair's figures — each
write with an audit row and an outbox event in the caller's transaction (chanjiao/resources.py). No HTTP; the router
checks the caller (fairs/access.py) first."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.ids import new_id
from chanjiao.resources import Audit, now
from chanjiao.sync import Since, SyncPage, sync_page
from services.matching.agreements.models import Agreement
from services.matching.db import kernel
from services.matching.demands.models import Demand
from services.matching.fairs import access
from services.matching.fairs.models import LIFECYCLE, Fair, FairRegistration
from services.matching.fairs.schemas import FairCreate, FairFigures, FairRegistrationCreate
from services.matching.offers.models import Offer
from services.matching.proposals.models import Proposal

AUDIT = Audit(kernel, "fair")
REGISTRATION_AUDIT = Audit(kernel, "fair_registration")


class FairNotFound(NotFound):
    slug = "fair-not-found"
    title_zh, title_en = "对接会不存在", "Fair not found"


class RegistrationNotFound(NotFound):
    slug = "fair-registration-not-found"
    title_zh, title_en = "报名记录不存在", "Registration not found"


class FairClosed(Conflict):
    slug = "fair-closed"
    title_zh, title_en = "对接会已结束", "The fair is closed"


class RegistrationConflict(Conflict):
    slug = "fair-registration-conflict"
    title_zh, title_en = "不能报名", "Cannot register"


def check_create(data: FairCreate) -> None:
    if data.period_end is not None and data.period_end < data.held_on:
        raise field_error(
            ["body", "period_end"], "period_order", "结束日期不能早于举办日期", "period_end cannot be before held_on"
        )


async def get(session: AsyncSession, fair_id: uuid.UUID, *, for_update: bool = False) -> Fair:
    stmt = sa.select(Fair).where(Fair.id == fair_id)  # type: ignore[arg-type]
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise FairNotFound(detail_zh="没有该对接会", detail_en="No such fair")
    return row


async def page(session: AsyncSession, *, where: list[Any], since: Since, cursor: str | None, limit: int) -> SyncPage:
    return await sync_page(session, sa.select(Fair).where(*where), Fair, since=since, cursor=cursor, limit=limit)


async def create(session: AsyncSession, data: FairCreate, actor: str) -> Fair:
    check_create(data)
    stamp = now()
    row = Fair(id=new_id(), **data.model_dump(), status="planned", version=1, created_at=stamp, updated_at=stamp)
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def transition(session: AsyncSession, row: Fair, to: str, actor: str) -> Fair:
    LIFECYCLE.check(row.status, to)
    before = AUDIT.snapshot(row)
    row.status = to
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row


async def posting_of(session: AsyncSession, data: FairRegistrationCreate) -> Demand | Offer:
    """The demand or offer a registration names (422 naming the field when none, or both, or it does not exist)."""
    if (data.demand_id is None) == (data.offer_id is None):
        raise field_error(
            ["body", "demand_id"],
            "exactly_one",
            "demand_id 与 offer_id 须且只须给出一个",
            "Give exactly one of demand_id and offer_id",
        )
    model, key, value = (Demand, "demand_id", data.demand_id) if data.demand_id else (Offer, "offer_id", data.offer_id)
    row = await session.get(model, value)
    if row is None:
        raise field_error(["body", key], "exists", "需求或供给不存在", "No such demand or offer")
    return row


async def register(
    session: AsyncSession, principal: Principal, fair: Fair, data: FairRegistrationCreate
) -> FairRegistration:
    """`fair` is locked by the caller; the posting must be the caller's own and open, the fair not closed."""
    posting = await posting_of(session, data)
    access.ensure_posting_owner(principal, posting.org_id)
    if fair.status == "closed":
        raise FairClosed(detail_zh="对接会已结束，不能再报名", detail_en="The fair is closed to registrations")
    if posting.status != "open":
        raise RegistrationConflict(
            detail_zh=f"只有已发布的需求或供给可以报名（当前状态 {posting.status}）",
            detail_en=f"Only an open demand or offer may be registered (it is {posting.status})",
        )
    r: Any = FairRegistration
    column = r.demand_id if data.demand_id else r.offer_id
    taken = await session.scalar(
        sa.select(sa.func.count()).where(r.fair_id == fair.id, column == posting.id, r.withdrawn_at.is_(None))
    )
    if taken:
        raise RegistrationConflict(detail_zh="已报名本对接会", detail_en="Already registered for this fair")
    stamp = now()
    row = FairRegistration(
        id=new_id(),
        fair_id=fair.id,
        demand_id=data.demand_id,
        offer_id=data.offer_id,
        org_id=posting.org_id,
        actor=principal.actor,
        registered_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    await REGISTRATION_AUDIT.created(session, row, actor=principal.actor)
    return row


async def withdraw(
    session: AsyncSession, principal: Principal, fair: Fair, registration_id: uuid.UUID
) -> FairRegistration:
    r: Any = FairRegistration
    row = (
        await session.execute(
            sa.select(FairRegistration).where(r.id == registration_id, r.fair_id == fair.id).with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        raise RegistrationNotFound(detail_zh="本对接会没有该报名", detail_en="No such registration at this fair")
    if not access.can_manage(principal, fair.organizer_org_id, fair.alliance_id):
        access.ensure_posting_owner(principal, row.org_id)
    if row.withdrawn_at is not None:
        raise RegistrationConflict(detail_zh="报名已撤回", detail_en="The registration is already withdrawn")
    before = REGISTRATION_AUDIT.snapshot(row)
    row.withdrawn_at = row.updated_at = now()
    await session.flush()
    after = REGISTRATION_AUDIT.snapshot(row)
    # The event `fair_registration.updated`, naming the one changed field.
    await REGISTRATION_AUDIT.record(
        session,
        row,
        action="update",
        actor=principal.actor,
        before=before,
        after=after,
        payload={"changed": {"withdrawn_at": after["withdrawn_at"]}},
    )
    return row


async def registrations(
    session: AsyncSession,
    fair_id: uuid.UUID,
    *,
    include_withdrawn: bool,
    since: Since,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    r: Any = FairRegistration
    stmt = sa.select(FairRegistration).where(r.fair_id == fair_id)
    if not include_withdrawn:
        stmt = stmt.where(r.withdrawn_at.is_(None))
    return await sync_page(session, stmt, FairRegistration, since=since, cursor=cursor, limit=limit)


def registered_ids(fair_id: uuid.UUID, column: str) -> sa.Select:
    """The ids in `column` (demand_id | offer_id) of the fair's live registrations (a sub-select)."""
    r: Any = FairRegistration
    col = getattr(r, column)
    return sa.select(col).where(r.fair_id == fair_id, r.withdrawn_at.is_(None), col.is_not(None))


async def registered(session: AsyncSession, fair_id: uuid.UUID, column: str) -> frozenset[str]:
    """The ids of the demands or offers (`column`: demand_id | offer_id) registered at the fair now — what a ranking
    scoped to the fair considers (services/matching/ranking/); 404 `fair-not-found` when there is no such fair."""
    await get(session, fair_id)
    return frozenset(str(x) for x in (await session.execute(registered_ids(fair_id, column))).scalars())


async def figures(session: AsyncSession, fair_id: uuid.UUID) -> FairFigures:
    """Counted in SQL over the live registrations: their postings, and the proposals and agreements naming one."""
    r: Any = FairRegistration
    d: Any = Demand
    o: Any = Offer
    a: Any = Agreement
    live = sa.and_(r.fair_id == fair_id, r.withdrawn_at.is_(None))
    participants = await session.scalar(sa.select(sa.func.count(sa.distinct(r.org_id))).where(live))
    demands, headcount = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(d.headcount), 0)).where(
                d.id.in_(registered_ids(fair_id, "demand_id"))
            )
        )
    ).one()
    offers, places = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(o.count), 0)).where(
                o.id.in_(registered_ids(fair_id, "offer_id"))
            )
        )
    ).one()
    pr: Any = Proposal
    proposals = await session.scalar(
        sa.select(sa.func.count()).where(
            sa.or_(
                pr.demand_id.in_(registered_ids(fair_id, "demand_id")),
                pr.offer_id.in_(registered_ids(fair_id, "offer_id")),
            )
        )
    )
    agreements = await session.scalar(
        sa.select(sa.func.count()).where(
            sa.or_(
                a.demand_id.in_(registered_ids(fair_id, "demand_id")),
                a.offer_id.in_(registered_ids(fair_id, "offer_id")),
            )
        )
    )
    return FairFigures(
        fair_id=fair_id,
        participants=participants or 0,
        demands=demands,
        offers=offers,
        headcount=int(headcount),
        places=int(places),
        proposals=proposals or 0,
        agreements=agreements or 0,
    )
