"""Helpers of the practice-record tests (internships, teacher practice, part-time teaching, training bases):
a learner registered by an organization, a person of the membership service (a teacher, an enterprise's staff
member)."""

from __future__ import annotations

import random
import uuid
from typing import Any

import asyncpg

from chanjiao.validators import compute_check_digit
from tests.training.conftest import TrainingPlatform


def id_number() -> str:
    """A random valid resident ID number (GB 11643 check digit)."""
    body = f"370702{random.randint(1970, 2006)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}"
    body += f"{random.randint(0, 999):03d}"
    return body + compute_check_digit(body)


async def new_learner(tp: TrainingPlatform, database: Any, org_id: str, learner_type: str = "student") -> str:
    """A learner record of `org_id` (`POST /v1/learners` as that organization); its id."""
    r = await tp.as_org(org_id).post(
        "/v1/learners",
        json={"name": "张学员", "id_number": id_number(), "learner_type": learner_type},
    )
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


async def new_person(tp: TrainingPlatform, org_id: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    """A person of `org_id` in the membership service (`POST /v1/people`, as the platform admin); its JSON."""
    body = {"name": name or f"王老师{uuid.uuid4().hex[:4]}", "org_id": org_id, **extra}
    r = await tp.admin.post("/v1/people", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def sql(database: Any, statement: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database.admin_url)
    try:
        return await conn.fetch(statement, *args)
    finally:
        await conn.close()
