"""Training base rules: create, read, list, update and soft delete — each write with an audit row and an outbox
event in the caller's transaction (chanjiao/resources.py) — and utilisation. Knows nothing of HTTP.

Utilisation = person-days of programmes held at the base: Σ `days_attended` of the (not deleted) enrolments of
(not deleted) programmes with `training_base_id` = the base whose `end_on` lies in the period (an enrolment counts
by its programme's `end_on`, as every figure does — docs/training.md). As in `/v1/training-stats`, dropped enrolments
count in the person-days (their days were attended) but not in the person-times. Programmes and enrolments are the
programmes area's tables; this reads them in SQL (one aggregate query) without importing that package."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.db import soft_delete
from chanjiao.errors import NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage
from services.training.bases.models import TrainingBase
from services.training.bases.schemas import TrainingBaseCreate, TrainingBaseUpdate, Utilisation
from services.training.db import kernel
from services.training.parties import list_rows

ENTITY = "training_base"
AUDIT = Audit(kernel, ENTITY)


class TrainingBaseNotFound(NotFound):
    slug = "training-base-not-found"
    title_zh, title_en = "实训基地不存在", "Training base not found"


def not_found() -> TrainingBaseNotFound:
    return TrainingBaseNotFound(
        detail_zh="没有该实训基地，或已被删除", detail_en="No such training base, or it was deleted"
    )


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    """Body values as stored (enums by their value)."""
    return {k: getattr(v, "value", v) for k, v in data.items()}


def check_dates(values: dict[str, Any]) -> None:
    opened, closed = values.get("established_on"), values.get("closed_on")
    if opened is not None and closed is not None and closed <= opened:
        raise field_error(
            ["body", "closed_on"], "period", "停用日期须晚于建成日期", "closed_on must be after established_on"
        )


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get(session: AsyncSession, base_id: uuid.UUID, *, for_update: bool = False) -> TrainingBase:
    """A live training base (open to every reader: a directory without personal data), or 404."""
    return await load(session, TrainingBase, base_id, not_found=not_found, for_update=for_update)


async def is_live(session: AsyncSession, base_id: uuid.UUID) -> bool:
    """True when the training base exists and is not deleted (published to the nouns that reference a base)."""
    stmt = sa.select(sa.exists().where(TrainingBase.id == base_id, TrainingBase.deleted_at.is_(None)))
    return bool((await session.execute(stmt)).scalar())


async def page(
    session: AsyncSession,
    *,
    where: Iterable[sa.ColumnElement[bool]],
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    return await list_rows(
        session,
        TrainingBase,
        where=list(where),
        visible=None,
        since=since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
    )


# ---- writes --------------------------------------------------------------------------------------------------------
async def create(session: AsyncSession, *, data: TrainingBaseCreate, actor: str) -> TrainingBase:
    """The owner organization was checked by the router."""
    values = _stored(data.model_dump())
    check_dates(values)
    stamp = now()
    row = TrainingBase(id=new_id(), **values, version=1, created_at=stamp, updated_at=stamp)
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def update(
    session: AsyncSession, *, row: TrainingBase, changes: TrainingBaseUpdate, if_match: str | None, actor: str
) -> TrainingBase:
    """`row` is locked by the caller (`get(for_update=True)`)."""
    check_if_match(if_match, row.version)
    data = _stored(changes.model_dump(exclude_unset=True))
    before = AUDIT.snapshot(row)
    check_dates({**before, **data})
    for key, value in data.items():
        setattr(row, key, value)
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row


async def delete(session: AsyncSession, *, row: TrainingBase, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    await soft_delete(session, row)
    await AUDIT.deleted(session, row, actor=actor, before=before)


_UTILISATION = sa.text(
    """
    select count(distinct p.id) as programmes,
           count(e.id) filter (where e.status <> 'dropped') as person_times,
           coalesce(sum(e.days_attended), 0) as person_days
      from training.programmes p
      left join training.enrolments e on e.programme_id = p.id and e.deleted_at is null
     where p.training_base_id = :base_id
       and p.deleted_at is null
       and p.end_on between :period_start and :period_end
    """
)


async def utilisation(
    session: AsyncSession, *, base_id: uuid.UUID, period_start: date, period_end: date
) -> Utilisation:
    if period_end < period_start:
        raise field_error(
            ["query", "period_end"], "period", "期间结束不能早于期间开始", "period_end is before period_start"
        )
    row = (
        await session.execute(
            _UTILISATION, {"base_id": base_id, "period_start": period_start, "period_end": period_end}
        )
    ).one()
    return Utilisation(
        training_base_id=base_id,
        period_start=period_start,
        period_end=period_end,
        programmes=row.programmes,
        person_times=row.person_times,
        person_days=Decimal(row.person_days).quantize(Decimal("0.1")),
    )
