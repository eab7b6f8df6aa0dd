"""Learner rules. Knows nothing of HTTP.

Shared entry points for the other training areas (enrolments, internships, practice):

* `require_learner(session, learner_id)` — the live learner or a 404 problem;
* `link_learner(session, learner_id, org_id, via)` — record that an organization has a relation to the
  learner (idempotent); an organization sees a learner only through such links.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import NotFound
from services.training.learners.models import Learner, LearnerOrg


class LearnerNotFound(NotFound):
    slug = "learner-not-found"
    title_zh, title_en = "学员不存在", "Learner not found"


def not_found() -> LearnerNotFound:
    return LearnerNotFound(detail_zh="没有该学员，或已被删除", detail_en="No such learner, or it was deleted")


async def require_learner(session: AsyncSession, learner_id: uuid.UUID, *, for_update: bool = False) -> Learner:
    """The learner (not deleted; an erased, anonymised learner is still returned), else 404."""
    stmt = sa.select(Learner).where(Learner.id == learner_id, Learner.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    learner = (await session.execute(stmt)).scalar_one_or_none()
    if learner is None:
        raise not_found()
    return learner


async def link_learner(session: AsyncSession, learner_id: uuid.UUID, org_id: uuid.UUID, via: str) -> None:
    """Link `org_id` to the learner (idempotent: an existing link keeps its first `via` and time)."""
    await session.execute(
        pg_insert(LearnerOrg)
        .values(learner_id=learner_id, org_id=org_id, via=via)
        .on_conflict_do_nothing(index_elements=["learner_id", "org_id"])
    )
