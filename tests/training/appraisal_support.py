"""Helpers of the appraisal tests: learners of an organization with their names, and a batch body."""

from __future__ import annotations

import uuid
from typing import Any

from tests.training.conftest import TrainingPlatform
from tests.training.practice_support import id_number

APPRAISALS = "/v1/appraisals"


def number() -> str:
    return f"JD{uuid.uuid4().hex[:12].upper()}"


async def learners(tp: TrainingPlatform, org_id: str, *names: str) -> list[str]:
    """A learner record of `org_id` for each name (registered by the platform admin for the organization)."""
    out = []
    for name in names:
        body = {"name": name, "id_number": id_number(), "learner_type": "student", "org_id": org_id}
        r = await tp.admin.post("/v1/learners", json=body)
        assert r.status_code in (200, 201), r.text
        out.append(r.json()["id"])
    return out


def candidate(learner_id: str, result: str, score: float | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"learner_id": learner_id, "result": result, **extra}
    if score is not None:
        out["score"] = score
    if result == "pass" and "certificate_number" not in extra:
        out["certificate_number"] = number()
    return out


def batch(org_id: str, candidates: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "certificate_kind": "skill_level",
        "occupation_name": "工业机器人系统运维员",
        "occupation_code": "6-31-01-10",
        "level": "四级/中级工",
        "appraised_on": "2026-11-20",
        "candidates": candidates,
        **overrides,
    }


async def record_batch(tp: TrainingPlatform, org_id: str, candidates: list[dict[str, Any]], **overrides: Any) -> dict:
    r = await tp.as_org(org_id, "org_staff").post(APPRAISALS, json=batch(org_id, candidates, **overrides))
    assert r.status_code == 201, r.text
    return r.json()
