"""The apprenticeship figures (现代学徒制) of a set of organizations for a period, in one statement, each with its
period rule (docs/domain.md, "Apprenticeship 现代学徒制")."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.dates import IsoDate
from services.training.apprenticeships.models import Apprenticeship, ContractKind

RULES = {
    "started": "招收学徒: apprenticeships whose `start_on` falls in the period",
    "in_training": "在培学徒: apprenticeships running on at least one day of the period (`start_on` ≤ period_end, "
    "no `ended_on` or `ended_on` ≥ period_start)",
    "completed": "出师: status `completed` with `ended_on` in the period",
    "ended_early": "提前终止: status `ended_early` with `ended_on` in the period",
    "mentor_pairs": "校企双导师: distinct (school mentor, enterprise mentor) pairs of the apprenticeships in training "
    "(a pair mentoring several apprentices counts once; records without an enterprise mentor form no pair)",
    "school_mentors": "学校导师: distinct school mentors (membership people) of the apprenticeships in training",
    "enterprise_mentors": "企业导师: distinct enterprise mentors of the apprenticeships in training",
    "classes": "现代学徒制班: distinct programmes of the apprenticeships in training",
    "contracts_signed": "签订合同: apprenticeships whose `contract_signed_on` falls in the period, in total and "
    "by kind",
}


class ApprenticeRegisterFigures(BaseModel):
    org_ids: list[uuid.UUID] = Field(description="单位 The organizations counted (school or enterprise of a record)")
    period_start: IsoDate
    period_end: IsoDate
    started: int
    in_training: int
    completed: int
    ended_early: int
    mentor_pairs: int
    school_mentors: int
    enterprise_mentors: int
    classes: int
    contracts_signed: int
    contracts_by_kind: dict[str, int] = Field(
        description="tripartite 三方协议 · labour 劳动合同 · apprenticeship 学徒合同"
    )
    rules: dict[str, str] = Field(description="每项指标的期间口径 The period rule of each figure")


async def compute(
    session: AsyncSession, org_ids: Collection[uuid.UUID], start: date, end: date
) -> ApprenticeRegisterFigures:
    t: Any = Apprenticeship.__table__.c
    running = sa.and_(t.start_on <= end, sa.or_(t.ended_on.is_(None), t.ended_on >= start))
    signed = t.contract_signed_on.between(start, end)

    def count(cond: Any) -> Any:
        return sa.func.count().filter(cond)

    pair = sa.func.concat(t.school_mentor_person_id, "/", t.enterprise_mentor_person_id)
    columns = [
        count(t.start_on.between(start, end)),
        count(running),
        count(sa.and_(t.status == "completed", t.ended_on.between(start, end))),
        count(sa.and_(t.status == "ended_early", t.ended_on.between(start, end))),
        sa.func.count(sa.distinct(pair)).filter(running, t.enterprise_mentor_person_id.is_not(None)),
        sa.func.count(sa.distinct(t.school_mentor_person_id)).filter(running),
        sa.func.count(sa.distinct(t.enterprise_mentor_person_id)).filter(running),
        sa.func.count(sa.distinct(t.programme_id)).filter(running),
        count(signed),
        *(count(sa.and_(signed, t.contract_kind == k.value)) for k in ContractKind),
    ]
    orgs = list(org_ids)
    stmt = sa.select(*columns).where(
        t.deleted_at.is_(None), sa.or_(t.school_org_id.in_(orgs), t.enterprise_org_id.in_(orgs))
    )
    row = (await session.execute(stmt)).one()
    values = [int(v or 0) for v in row]
    kinds = values[9:]
    return ApprenticeRegisterFigures(
        org_ids=sorted(orgs),
        period_start=start,
        period_end=end,
        started=values[0],
        in_training=values[1],
        completed=values[2],
        ended_early=values[3],
        mentor_pairs=values[4],
        school_mentors=values[5],
        enterprise_mentors=values[6],
        classes=values[7],
        contracts_signed=values[8],
        contracts_by_kind={k.value: n for k, n in zip(ContractKind, kinds, strict=True)},
        rules=RULES,
    )
