"""Training base rules: `RECORDS` (create, read, list, update, soft delete with audit + outbox;
practice/records.py), and utilisation. Knows nothing
of HTTP.

Utilisation = person-days of programmes held at the base: Σ `days_attended` of the (not deleted) enrolments of
(not deleted) programmes with `training_base_id` = the base whose `end_on` lies in the period (an enrolment counts
by its programme's `end_on`, as every figure does — docs/training.md). As in `/v1/training-stats`, dropped enrolments
count in the person-days (their days were attended) but not in the person-times. Programmes and enrolments are the
programmes area's tables; this reads them in SQL (one aggregate query) without importing that package."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import refdata
from chanjiao.errors import NotFound, field_error
from services.training.bases.models import KIND_LABELS, LEVEL_LABELS, TrainingBase
from services.training.bases.schemas import MajorRef, TrainingBasePublic, Utilisation
from services.training.practice.records import Records, from_row

ENTITY = "training_base"
FIELDS = (
    "owner_org_id",
    "name",
    "kind",
    "level",
    "stations",
    "persons_per_day",
    "major_codes",
    "shared",
    "established_on",
    "closed_on",
)


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


def _prepare(row: TrainingBase | None, data: dict[str, Any]) -> dict[str, Any]:
    return {k: _enum_value(v) for k, v in data.items()}


def _check_dates(values: dict[str, Any]) -> None:
    opened, closed = values.get("established_on"), values.get("closed_on")
    if opened is not None and closed is not None and closed <= opened:
        raise field_error(
            ["body", "closed_on"], "period", "停用日期须晚于建成日期", "closed_on must be after established_on"
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


def public(row: TrainingBase) -> TrainingBasePublic:
    names = _major_names()
    return from_row(
        TrainingBasePublic,
        row,
        kind_label=KIND_LABELS[row.kind],
        level_label=LEVEL_LABELS[row.level] if row.level else None,
        major_codes=list(row.major_codes),
        majors=[MajorRef(code=c, name=names.get(c), code_known=c in names) for c in row.major_codes],
    )


RECORDS = Records(
    model=TrainingBase,
    entity=ENTITY,
    fields=FIELDS,
    parties=("owner_org_id",),
    not_found=not_found,
    public=public,
    private=False,
    prepare=_prepare,
    check=_check_dates,
)
