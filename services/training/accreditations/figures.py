"""The figures of the register (who may appraise and test) for a set of organizations and a period, each with its
period rule (docs/domain.md, "Accreditation 鉴定与考核资质")."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.dates import IsoDate
from services.training.accreditations.models import Accreditation, AccreditationKind, PilotRegistration

RULES = {
    "accreditations_held": "持有资质: accreditations valid on `period_end` (`valid_from` ≤ it, no `valid_until` or "
    "`valid_until` ≥ it), in total and by kind",
    "pilot_registrations": "1+X 试点证书备案: registrations made on or before `period_end` (cumulative, 截至期末)",
    "pilot_registrations_new": "新增备案: registrations whose `registered_on` falls in the period",
    "pilot_schools": "试点院校: distinct schools among `pilot_registrations`",
}


class AccreditationFigures(BaseModel):
    org_ids: list[uuid.UUID] = Field(description="单位 The organizations counted")
    period_start: IsoDate
    period_end: IsoDate
    accreditations_held: int
    accreditations_by_kind: dict[str, int] = Field(description="by kind: appraisal_station, recognition_org, …")
    pilot_registrations: int
    pilot_registrations_new: int
    pilot_schools: int
    rules: dict[str, str] = Field(description="每项指标的期间口径 The period rule of each figure")


async def compute(
    session: AsyncSession, org_ids: Collection[uuid.UUID], start: date, end: date
) -> AccreditationFigures:
    orgs = list(org_ids)
    a: Any = Accreditation.__table__.c
    held = sa.and_(a.valid_from <= end, sa.or_(a.valid_until.is_(None), a.valid_until >= end))
    stmt = sa.select(a.kind, sa.func.count()).where(a.deleted_at.is_(None), a.org_id.in_(orgs), held).group_by(a.kind)
    by_kind = {k.value: 0 for k in AccreditationKind}
    for kind, n in (await session.execute(stmt)).all():
        by_kind[kind] = int(n)
    p: Any = PilotRegistration.__table__.c
    made = p.registered_on <= end
    row = (
        await session.execute(
            sa.select(
                sa.func.count().filter(made),
                sa.func.count().filter(p.registered_on.between(start, end)),
                sa.func.count(sa.distinct(p.school_org_id)).filter(made),
            ).where(p.deleted_at.is_(None), p.school_org_id.in_(orgs))
        )
    ).one()
    return AccreditationFigures(
        org_ids=sorted(orgs),
        period_start=start,
        period_end=end,
        accreditations_held=sum(by_kind.values()),
        accreditations_by_kind=by_kind,
        pilot_registrations=int(row[0]),
        pilot_registrations_new=int(row[1]),
        pilot_schools=int(row[2]),
        rules=RULES,
    )
