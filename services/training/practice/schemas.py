"""Teacher practice and part-time teaching request/response models."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.sync_exits import ExitTombstone
from services.training.practice.common import Tombstone, not_null, required_text, short_text
from services.training.practice.models import TERM_PATTERN

PERSON_MONTHS_RULE = (
    "`person_months` (人月, derived, read-only) = `days` / 30, where `days` = end_on − start_on + 1 (both days "
    "count), for the record's whole span, rounded to 2 places for display. The figures "
    "(`/v1/training-stats`) count only the days overlapping the period asked for, and round only the final sum."
)
TERM_RULE = (
    "`term` is `YYYY-YYYY-N`: a school year whose second year follows the first, and N = 1 (first term) or 2 "
    "(second term), e.g. `2024-2025-1`. When `term_start_on`/`term_end_on` are omitted they default from the term: "
    "first term 1 Sep of the first year – 31 Jan of the second year; second term 1 Feb – 31 Jul of the second "
    "year. Given dates must satisfy `term_end_on ≥ term_start_on`. Each record is one 人次 (person-time); the "
    "figures sum `class_hours` (学时)."
)

Post = short_text("实践岗位", 100, "数控加工车间技术员")
Content = short_text("实践内容", 500, "参与数控加工工艺改进与生产管理")


# ---- teacher practice ------------------------------------------------------------------------------------------
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


# ---- part-time teaching ----------------------------------------------------------------------------------------
Term = Annotated[
    str,
    Field(
        pattern=TERM_PATTERN, description="学期 `YYYY-YYYY-N` (N = 1 or 2), e.g. 2024-2025-1", examples=["2024-2025-1"]
    ),
]
ClassHours = Annotated[
    Decimal,
    Field(gt=0, max_digits=7, decimal_places=1, description="授课学时 (> 0, at most one decimal place)", examples=[64]),
]
StaffName = required_text("兼职教师（企业人员）姓名", 50, "李师傅")
Course = required_text("课程名称", 100, "数控车削加工")


class PartTimeTeachingCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "staff_name": "李师傅",
                    "enterprise_org_id": "019abf2e-0000-7000-8000-000000000002",
                    "school_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "term": "2024-2025-1",
                    "course": "数控车削加工",
                    "class_hours": 64,
                }
            ]
        },
    )

    staff_name: StaffName
    person_id: uuid.UUID | None = Field(
        default=None,
        description="The staff member as a person of the membership service (`/v1/people/{id}`) whose "
        "organization is `enterprise_org_id`; optional (staff not registered in membership are named only)",
    )
    enterprise_org_id: uuid.UUID = Field(description="派出企业: an existing, active organization")
    school_org_id: uuid.UUID = Field(description="授课学校: an existing, active organization")
    term: Term
    term_start_on: IsoDate | None = Field(default=None, description="Defaults from `term` (see the description)")
    term_end_on: IsoDate | None = Field(default=None, description="Defaults from `term` (see the description)")
    course: Course
    class_hours: ClassHours


class PartTimeTeachingUpdate(BaseModel):
    """Partial update: only the fields sent change; `null` clears `person_id`. A new `term` without dates resets
    the dates to the new term's defaults."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"class_hours": 72}]})

    staff_name: StaffName | None = None
    person_id: uuid.UUID | None = None
    enterprise_org_id: uuid.UUID | None = None
    school_org_id: uuid.UUID | None = None
    term: Term | None = None
    term_start_on: IsoDate | None = None
    term_end_on: IsoDate | None = None
    course: Course | None = None
    class_hours: ClassHours | None = None

    _not_null = not_null(
        "staff_name",
        "enterprise_org_id",
        "school_org_id",
        "term",
        "term_start_on",
        "term_end_on",
        "course",
        "class_hours",
    )


class PartTimeTeachingPublic(BaseModel):
    id: uuid.UUID
    staff_name: str
    person_id: uuid.UUID | None
    enterprise_org_id: uuid.UUID
    school_org_id: uuid.UUID
    term: str
    term_start_on: IsoDate
    term_end_on: IsoDate
    course: str
    class_hours: float = Field(description="授课学时")
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class PartTimeTeachingPage(Page[PartTimeTeachingPublic | Tombstone | ExitTombstone]):
    pass
