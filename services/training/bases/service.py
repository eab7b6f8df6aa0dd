"""Training base rules: create, read, list, update, soft delete (audit + outbox), and utilisation. Knows nothing
of HTTP.

Utilisation = person-days of programmes held at the base: Σ `days_attended` of the (not deleted) enrolments of
(not deleted) programmes with `training_base_id` = the base whose `end_on` lies in the period (an enrolment counts
by its programme's `end_on`, as every figure does — DOMAIN.md §2). As in `/v1/training-stats`, dropped enrolments
count in the person-days (their days were attended) but not in the person-times. Programmes and enrolments are the
programmes area's tables; this reads them in SQL (one aggregate query) without importing that package."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import refdata
from chanjiao.db import soft_delete
from chanjiao.errors import NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from services.training.bases.models import KIND_LABELS, LEVEL_LABELS, TrainingBase
from services.training.bases.schemas import (
    MajorRef,
    TrainingBaseCreate,
    TrainingBasePublic,
    TrainingBaseUpdate,
    Utilisation,
)
from services.training.practice.common import Tombstone, list_rows, now, record, snapshot

ENTITY = "training_base"
FIELDS = ("owner_org_id", "name", "kind", "level", "stations", "persons_per_day", "major_codes", "shared")


class TrainingBaseNotFound(NotFound):
    slug = "training-base-not-found"
    title_zh, title_en = "实训基地不存在", "Training base not found"


def not_found() -> TrainingBaseNotFound:
    return TrainingBaseNotFound(
        detail_zh="没有该实训基地，或已被删除", detail_en="No such training base, or it was deleted"
    )


@lru_cache(maxsize=1)
def _major_names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in refdata.majors()}


def _enum_value(v: Any) -> Any:
    return getattr(v, "value", v)


async def create_base(session: AsyncSession, *, data: TrainingBaseCreate, actor: str) -> TrainingBase:
    values = {k: _enum_value(v) for k, v in data.model_dump().items()}
    stamp = now()
    row = TrainingBase(id=new_id(), **values, version=1, created_at=stamp, updated_at=stamp)
    session.add(row)
    await session.flush()
    after = snapshot(row, FIELDS)
    await record(
        session, entity=ENTITY, entity_id=row.id, action="create", actor=actor, before=None, after=after, payload=after
    )
    return row


async def get_base(session: AsyncSession, base_id: uuid.UUID, *, for_update: bool = False) -> TrainingBase:
    stmt = sa.select(TrainingBase).where(TrainingBase.id == base_id, TrainingBase.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise not_found()
    return row


async def list_bases(
    session: AsyncSession,
    *,
    owner_org_id: uuid.UUID | None,
    kind: str | None,
    level: str | None,
    major_code: str | None,
    shared: bool | None,
    updated_since: datetime | None,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[TrainingBase], str | None]:
    where: list[sa.ColumnElement[bool]] = []
    if owner_org_id is not None:
        where.append(TrainingBase.owner_org_id == owner_org_id)
    if kind is not None:
        where.append(TrainingBase.kind == kind)
    if level is not None:
        where.append(TrainingBase.level == level)
    if major_code is not None:
        where.append(TrainingBase.major_codes.contains([major_code]))
    if shared is not None:
        where.append(TrainingBase.shared.is_(shared))
    return await list_rows(
        session,
        TrainingBase,
        where=where,
        visible=None,
        updated_since=updated_since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
    )


async def update_base(
    session: AsyncSession, *, row: TrainingBase, changes: TrainingBaseUpdate, if_match: str | None, actor: str
) -> TrainingBase:
    check_if_match(if_match, row.version)
    data = {k: _enum_value(v) for k, v in changes.model_dump(exclude_unset=True).items()}
    before = snapshot(row, FIELDS)
    for key, value in data.items():
        setattr(row, key, value)
    after = snapshot(row, FIELDS)
    if after == before:
        return row
    row.version += 1
    row.updated_at = now()
    await session.flush()
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    await record(
        session,
        entity=ENTITY,
        entity_id=row.id,
        action="update",
        actor=actor,
        before=before,
        after=after,
        payload={"changed": changed},
    )
    return row


async def delete_base(session: AsyncSession, *, row: TrainingBase, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, row.version)
    before = snapshot(row, FIELDS)
    await soft_delete(session, row)
    await record(
        session, entity=ENTITY, entity_id=row.id, action="delete", actor=actor, before=before, after=None, payload={}
    )


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


def render(rows: list[TrainingBase]) -> list[TrainingBasePublic | Tombstone]:
    names = _major_names()
    out: list[TrainingBasePublic | Tombstone] = []
    for r in rows:
        if r.deleted_at is not None:
            out.append(Tombstone(id=r.id, deleted_at=r.deleted_at))
            continue
        out.append(
            TrainingBasePublic(
                id=r.id,
                owner_org_id=r.owner_org_id,
                name=r.name,
                kind=r.kind,
                kind_label=KIND_LABELS[r.kind],
                level=r.level,
                level_label=LEVEL_LABELS[r.level] if r.level else None,
                stations=r.stations,
                persons_per_day=r.persons_per_day,
                major_codes=list(r.major_codes),
                majors=[MajorRef(code=c, name=names.get(c), code_known=c in names) for c in r.major_codes],
                shared=r.shared,
                version=r.version,
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
        )
    return out


def public(row: TrainingBase) -> TrainingBasePublic:
    out = render([row])[0]
    assert isinstance(out, TrainingBasePublic)
    return out
