"""Teacher practice request/response models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.sync_exits import ExitTombstone
from services.training.parties import Tombstone, not_null, short_text

PERSON_MONTHS_RULE = (
    "`person_months` (人月, derived, read-only) = `days` / 30, where `days` = end_on − start_on + 1 (both days "
    "count), for the record's whole span, rounded to 2 places for display. The figures "
    "(`/v1/training-stats`) count only the days overlapping the period asked for, and round only the final sum."
)
Post = short_text("实践岗位", 100, "数控加工车间技术员")
Content = short_text("实践内容", 500, "参与数控加工工艺改进与生产管理")


class TeacherPracticeCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d",
                    "school_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "enterprise_org_id": "019abf2e-0000-7000-8000-000000000002",
                    "start_on": "2024-07-01",
                    "end_on": "2024-08-29",
                    "post": "数控加工车间技术员",
                    "content": "参与数控加工工艺改进与生产管理",
                }
            ]
        },
    )

    person_id: uuid.UUID = Field(
        description="教师: a person of the membership service (`/v1/people/{id}`) whose organization is `school_org_id`"
    )
    school_org_id: uuid.UUID = Field(description="学校: an existing, active organization; the teacher's own")
    enterprise_org_id: uuid.UUID = Field(description="实践企业: an existing, active organization")
    start_on: IsoDate
    end_on: IsoDate = Field(description="≥ start_on; both days count")
    post: Post = None
    content: Content = None


class TeacherPracticeUpdate(BaseModel):
    """Partial update: only the fields sent change; `null` clears `post` and `content`. The teacher cannot change; a
    new `school_org_id` must be the teacher's organization."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"end_on": "2024-09-30"}]})

    school_org_id: uuid.UUID | None = None
    enterprise_org_id: uuid.UUID | None = None
    start_on: IsoDate | None = None
    end_on: IsoDate | None = None
    post: Post = None
    content: Content = None

    _not_null = not_null("school_org_id", "enterprise_org_id", "start_on", "end_on")


class TeacherPracticePublic(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID | None = Field(
        description="教师: the membership person (`/v1/people/{id}`); null only on a legacy record (`learner_id`)"
    )
    teacher_name: str | None = Field(
        description="教师姓名 as it was when the practice was recorded (a later change of the person's name does not "
        "alter it); null only on a legacy record whose learner was erased"
    )
    learner_id: uuid.UUID | None = Field(
        description="Legacy: a record made while teachers were training learners of type `teacher` keeps that "
        "learner here (and has no `person_id`); null on every record made since"
    )
    school_org_id: uuid.UUID
    enterprise_org_id: uuid.UUID
    start_on: IsoDate
    end_on: IsoDate
    days: int = Field(description="end_on − start_on + 1")
    person_months: float = Field(description=PERSON_MONTHS_RULE)
    post: str | None
    content: str | None
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class TeacherPracticePage(Page[TeacherPracticePublic | Tombstone | ExitTombstone]):
    pass


def render(row: Any) -> TeacherPracticePublic:
    """The public form of a teacher practice row, with its derived `days` and `person_months`."""
    days = (row.end_on - row.start_on).days + 1
    return TeacherPracticePublic(
        id=row.id,
        person_id=row.person_id,
        teacher_name=row.teacher_name,
        learner_id=row.learner_id,
        school_org_id=row.school_org_id,
        enterprise_org_id=row.enterprise_org_id,
        start_on=row.start_on,
        end_on=row.end_on,
        days=days,
        person_months=round(days / 30, 2),  # 人月 of the whole span, rounded for display only
        post=row.post,
        content=row.content,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
