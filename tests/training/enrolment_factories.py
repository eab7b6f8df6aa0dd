"""Learners for the programme/enrolment tests and benchmarks, written straight into `training.learners` and
`training.persons` (the rows `POST /v1/learners` would write: owner, person, keyed hash, ciphertext and masked forms —
random here, never a real number)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from chanjiao.ids import new_id
from services.training.learners.models import Learner, Person


def learner_row(owner_org_id: uuid.UUID | str, current_org_id: uuid.UUID | str | None = None, **overrides) -> dict:
    now = datetime.now(UTC)
    return {
        "id": new_id(),
        "owner_org_id": uuid.UUID(str(owner_org_id)),
        "person_id": new_id(),
        "name": "测试学员",
        "name_bigrams": ["测试", "试学", "学员"],
        "id_type": "resident_id",
        "id_number_hash": os.urandom(32),
        "id_number_ciphertext": os.urandom(40),
        "id_number_masked": "3701************34",
        "gender": "female",
        "birth_year": 2004,
        "learner_type": "student",
        "current_org_id": uuid.UUID(str(current_org_id)) if current_org_id else None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        **overrides,
    }


async def insert_learners(
    engine: AsyncEngine, n: int = 1, current_org_id=None, *, owner_org_id, **overrides
) -> list[str]:
    """`n` learner records owned by `owner_org_id`, each of a person of its own."""
    rows = [learner_row(owner_org_id, current_org_id, **overrides) for _ in range(n)]
    persons = [{"id": r["person_id"], "id_number_hash": r["id_number_hash"]} for r in rows]
    async with engine.begin() as conn:
        await conn.execute(sa.insert(Person.__table__), persons)
        await conn.execute(sa.insert(Learner.__table__), rows)
    return [str(r["id"]) for r in rows]
