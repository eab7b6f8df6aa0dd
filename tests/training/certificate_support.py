"""Helpers of the certificate tests: a world of a school (with a learner), an enterprise (with a staff member) and
another organization, and the bodies of an issued and a recorded certificate."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from tests.training.conftest import TrainingPlatform
from tests.training.practice_support import new_learner, new_person

ISSUE = "/v1/certificates"
RECORD = "/v1/certificates/records"


def number() -> str:
    return f"ZS{uuid.uuid4().hex[:12].upper()}"


async def new_world(tp: TrainingPlatform, database: Any) -> dict[str, Any]:
    school = await tp.new_org("higher_vocational", name=f"潍坊职业学院{uuid.uuid4().hex[:4]}")
    enterprise = await tp.new_org("enterprise")
    other = await tp.new_org("higher_vocational")
    return {
        "school": school,
        "enterprise": enterprise,
        "other": other,
        "learner": await new_learner(tp, database, school),
        "other_learner": await new_learner(tp, database, other),
        "worker": (await new_person(tp, enterprise, "王建华"))["id"],
        "teacher": (await new_person(tp, school, "刘老师"))["id"],
    }


def issue_body(w: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "completion",
        "number": number(),
        "learner_id": w["learner"],
        "issuer_org_id": w["school"],
        "occupation_name": "数控车工",
        "issued_on": "2024-06-30",
        **overrides,
    }


def record_body(w: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "special_operations",
        "number": number(),
        "person_id": w["worker"],
        "holder_org_id": w["enterprise"],
        "issuer_name": "潍坊市应急管理局",
        "issuer_authority": "emergency_management",
        "occupation_name": "低压电工作业",
        "issued_on": "2024-03-15",
        **overrides,
    }


async def issue(tp: TrainingPlatform, w: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    r = await tp.as_org(w["school"]).post(ISSUE, json=issue_body(w, **overrides))
    assert r.status_code == 201, r.text
    return r.json()


async def record(tp: TrainingPlatform, w: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    r = await tp.as_org(w["enterprise"]).post(RECORD, json=record_body(w, **overrides))
    assert r.status_code == 201, r.text
    return r.json()


def iso(day: date) -> str:
    return day.isoformat()
