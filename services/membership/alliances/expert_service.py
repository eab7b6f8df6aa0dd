"""Outside experts of an alliance's expert pool: the alliance's admins record them; the pool's readers (its
admins, principals of its members, reader services) read them. An expert is in the pool on a day between
`engaged_on` and `ended_on` (both inclusive, open when null). Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.errors import NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from services.membership.alliances.expert_models import OutsideExpert
from services.membership.alliances.expert_schemas import OutsideExpertCreate, OutsideExpertUpdate
from services.membership.db import kernel
from services.membership.memberships.models import Membership
from services.membership.tenancy import is_reader_service

AUDIT = Audit(kernel, "outside_expert")


class ExpertNotFound(NotFound):
    slug = "outside-expert-not-found"
    title_zh, title_en = "外聘专家不存在", "Outside expert not found"


def not_found() -> ExpertNotFound:
    return ExpertNotFound(detail_zh="联盟专家库中没有该外聘专家", detail_en="No such outside expert in the pool")


async def get(session: AsyncSession, alliance_id: uuid.UUID, expert_id: uuid.UUID, *, for_update: bool = False):
    return await load(
        session,
        OutsideExpert,
        expert_id,
        not_found=not_found,
        rule=lambda row: row.alliance_id == alliance_id,
        for_update=for_update,
    )


async def create(
    session: AsyncSession, *, alliance_id: uuid.UUID, data: OutsideExpertCreate, actor: str
) -> OutsideExpert:
    at = now()
    row = OutsideExpert(
        id=new_id(), alliance_id=alliance_id, **data.model_dump(), version=1, created_at=at, updated_at=at
    )
    row.name = row.name.strip()
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def update(
    session: AsyncSession,
    *,
    alliance_id: uuid.UUID,
    expert_id: uuid.UUID,
    changes: OutsideExpertUpdate,
    if_match: str | None,
    actor: str,
) -> OutsideExpert:
    row = await get(session, alliance_id, expert_id, for_update=True)
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    for k, v in changes.model_dump(exclude_unset=True).items():
        setattr(row, k, v)
    if row.engaged_on is not None and row.ended_on is not None and row.ended_on < row.engaged_on:
        raise field_error(
            ["body", "ended_on"], "period_order", "解聘日期不能早于聘请日期", "ended_on is before engaged_on"
        )
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row


async def delete(
    session: AsyncSession, *, alliance_id: uuid.UUID, expert_id: uuid.UUID, if_match: str | None, actor: str
) -> None:
    row = await get(session, alliance_id, expert_id, for_update=True)
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    row.deleted_at = row.updated_at = now()
    row.version += 1
    await session.flush()
    await AUDIT.deleted(session, row, actor=actor, before=before)


def in_pool(day: date) -> sa.ColumnElement[bool]:
    """Engaged on `day`: live, engaged on or before it (or undated), not ended before it."""
    return sa.and_(
        OutsideExpert.deleted_at.is_(None),
        sa.or_(OutsideExpert.engaged_on.is_(None), OutsideExpert.engaged_on <= day),
        sa.or_(OutsideExpert.ended_on.is_(None), OutsideExpert.ended_on >= day),
    )


async def list_pool(session: AsyncSession, *, alliance_id: uuid.UUID, as_of: date | None) -> list[OutsideExpert]:
    """The alliance's outside experts (on `as_of` when given; else every live one), by name."""
    stmt = sa.select(OutsideExpert).where(OutsideExpert.alliance_id == alliance_id, OutsideExpert.deleted_at.is_(None))
    if as_of is not None:
        stmt = stmt.where(in_pool(as_of))
    return list((await session.scalars(stmt.order_by(OutsideExpert.name, OutsideExpert.id))).all())


async def may_read_pool(session: AsyncSession, principal: Principal, alliance_id: uuid.UUID, day: date) -> bool:
    """The expert pool's readers: the alliance's admins, reader services, principals of an organization that is a
    member (active or suspended) on `day`."""
    if principal.administers_alliance(alliance_id) or is_reader_service(principal):
        return True
    if principal.org_id is None:
        return False
    return bool(
        await session.scalar(
            sa.select(sa.exists(members_on(alliance_id, day).where(Membership.org_id == principal.org_id)))
        )
    )


def members_on(alliance_id: uuid.UUID, day: date) -> sa.Select:
    """The organizations that are members of the alliance on `day` (joined, not yet ended)."""
    return sa.select(Membership.org_id).where(
        Membership.alliance_id == alliance_id,
        Membership.joined_on.is_not(None),
        Membership.joined_on <= day,
        sa.or_(Membership.ended_on.is_(None), Membership.ended_on > day),
    )
