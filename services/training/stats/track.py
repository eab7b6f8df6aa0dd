"""A school's track record in a field, for the matching service's ranking (docs/matching-ranking-routes.md): the
certificates its learners hold now in the given occupations, and the internships of its students that ended.

* `certificates` — certificates held by the organization's learners (`holder_org_id`), stored status `active` and
  not expired today (`valid_until` null or today or later), whose `occupation_code` is one of the codes or lies
  under one (a group code such as `6-18` covers `6-18-01-01`). Without codes: every such certificate.
* `completed_internships` — internships with the organization as school, not deleted, whose `end_on` is before
  today. Internships carry no occupation or major, so this count is the school's whole, whatever the field."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession


class TrackRecordFigures(BaseModel):
    org_id: uuid.UUID
    occupation_codes: list[str] = Field(description="所查职业 — the occupations asked for (empty: all)")
    certificates: int = Field(description="本领域在有效期内的证书 — valid certificates its learners hold in the field")
    completed_internships: int = Field(description="已结束的实习 — internships of its students that ended")
    on: date = Field(description="计算日期 — the day the figures are for")


STATEMENT = sa.text(
    """
    SELECT
      (SELECT count(*) FROM training.certificates c
        WHERE c.holder_org_id = :org AND c.status = 'active'
          AND (c.valid_until IS NULL OR c.valid_until >= :today)
          AND (cardinality(CAST(:codes AS text[])) = 0
               OR EXISTS (SELECT 1 FROM unnest(CAST(:codes AS text[])) AS f(code)
                          WHERE c.occupation_code = f.code OR c.occupation_code LIKE f.code || '-%'))
      ) AS certificates,
      (SELECT count(*) FROM training.internships i
        WHERE i.school_org_id = :org AND i.deleted_at IS NULL AND i.end_on < :today
      ) AS completed_internships
    """
)


async def compute(session: AsyncSession, org_id: uuid.UUID, codes: list[str], today: date) -> TrackRecordFigures:
    row = (await session.execute(STATEMENT, {"org": org_id, "codes": codes, "today": today})).one()
    return TrackRecordFigures(
        org_id=org_id,
        occupation_codes=codes,
        certificates=row.certificates,
        completed_internships=row.completed_internships,
        on=today,
    )
