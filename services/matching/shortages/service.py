"""Shortage occupation rules: the period, create, read, list, delete — each write with an audit row and an outbox
event in the caller's transaction (chanjiao/resources.py). Knows nothing of HTTP; the router checks the caller."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.db import soft_delete
from chanjiao.errors import NotFound, field_error
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from services.matching.db import kernel
from services.matching.shortages.models import ShortageOccupation
from services.matching.shortages.schemas import ShortageOccupationCreate

AUDIT = Audit(kernel, "shortage_occupation")
MAX_PER_ALLIANCE = 500  # live flags: the list answers them all


class ShortageNotFound(NotFound):
    slug = "shortage-occupation-not-found"
    title_zh, title_en = "急需紧缺职业标记不存在", "Shortage occupation flag not found"


def not_found() -> ShortageNotFound:
    return ShortageNotFound(detail_zh="没有该急需紧缺职业标记，或已被删除", detail_en="No such flag, or it was deleted")


async def get(session: AsyncSession, flag_id: uuid.UUID, *, for_update: bool = False) -> ShortageOccupation:
    return await load(session, ShortageOccupation, flag_id, not_found=not_found, for_update=for_update)


async def of_alliance(
    session: AsyncSession, *, alliance_id: uuid.UUID | None, occupation_code: str | None, active_on: date | None
) -> list[ShortageOccupation]:
    """Live flags (of the alliance, if given), by alliance, occupation code and period."""
    t: Any = ShortageOccupation
    stmt = sa.select(t).where(t.deleted_at.is_(None))
    if alliance_id is not None:
        stmt = stmt.where(t.alliance_id == alliance_id)
    if occupation_code is not None:
        stmt = stmt.where(t.occupation_code == occupation_code)
    if active_on is not None:
        stmt = stmt.where(t.period_start <= active_on, t.period_end >= active_on)
    stmt = stmt.order_by(t.alliance_id, t.occupation_code, t.period_start, t.id)
    return list((await session.execute(stmt)).scalars().all())


async def create(session: AsyncSession, *, data: ShortageOccupationCreate, actor: str) -> ShortageOccupation:
    if data.period_end < data.period_start:
        raise field_error(
            ["body", "period_end"], "period_order", "结束日期不能早于开始日期", "period_end is before period_start"
        )
    t: Any = ShortageOccupation
    live = await session.scalar(
        sa.select(sa.func.count()).where(t.alliance_id == data.alliance_id, t.deleted_at.is_(None))
    )
    if live >= MAX_PER_ALLIANCE:
        raise field_error(
            ["body", "alliance_id"],
            "max_items",
            f"一个联盟至多标记 {MAX_PER_ALLIANCE} 个急需紧缺职业",
            f"An alliance flags at most {MAX_PER_ALLIANCE} shortage occupations",
        )
    stamp = now()
    row = ShortageOccupation(id=new_id(), **data.model_dump(), version=1, created_at=stamp, updated_at=stamp)
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def delete(session: AsyncSession, *, row: ShortageOccupation, actor: str) -> None:
    before = AUDIT.snapshot(row)
    await soft_delete(session, row)
    await AUDIT.deleted(session, row, actor=actor, before=before)


def flagged(codes: list[str] | tuple[str, ...], flags: list[str]) -> bool:
    """True when one of the demand's occupation `codes` is a flagged code or lies under one (a group code such as
    `6-18` covers `6-18-01-01`)."""
    return any(c == f or c.startswith(f + "-") for c in codes for f in flags)
