"""Helpers of the practice-record tests (internships, teacher practice, part-time teaching, training bases):
a learner registered by an organization, a person of the membership service (a teacher, an enterprise's staff
member), and direct SQL for hand-made fixtures."""

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


def _learners_route(tp: TrainingPlatform) -> bool:
    app = tp.platform.upstreams["training"].app
    return any(getattr(r, "path", None) == "/v1/learners" for r in app.routes) or "/v1/learners" in app.openapi().get(
        "paths", {}
    )


async def new_learner(tp: TrainingPlatform, database: Any, org_id: str, learner_type: str = "student") -> str:
    """A learner registered by `org_id` (so the org sees it): through `POST /v1/learners` when that route exists,
    else (learners not wired yet) rows written straight into learners + learner_orgs."""
    if _learners_route(tp):
        r = await tp.as_org(org_id).post(
            "/v1/learners",
            json={"name": "张学员", "id_number": id_number(), "learner_type": learner_type},
        )
        assert r.status_code in (200, 201), r.text
        return r.json()["id"]
    learner_id = str(uuid.uuid4())
    conn = await asyncpg.connect(database.admin_url)
    try:
        await conn.execute(
            "insert into training.learners (id, name, id_type, id_number_hash, id_number_ciphertext, "
            "id_number_masked, learner_type, version, created_at, updated_at) values "
            "($1, '张学员', 'resident_id', $2, $3, '3707************34', $4, 1, now(), now())",
            uuid.UUID(learner_id),
            uuid.uuid4().bytes,
            b"x",
            learner_type,
        )
        await conn.execute(
            "insert into training.learner_orgs (learner_id, org_id, via) values ($1, $2, 'registration')",
            uuid.UUID(learner_id),
            uuid.UUID(org_id),
        )
    finally:
        await conn.close()
    return learner_id


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
