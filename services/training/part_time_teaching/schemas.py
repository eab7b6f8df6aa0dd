"""Part-time teaching request/response models."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.sync_exits import ExitTombstone
from services.training.part_time_teaching.models import TERM_PATTERN
from services.training.parties import Tombstone, not_null, required_text

TERM_RULE = (
    "`term` is `YYYY-YYYY-N`: a school year whose second year follows the first, and N = 1 (first term) or 2 "
    "(second term), e.g. `2024-2025-1`. When `term_start_on`/`term_end_on` are omitted they default from the term: "
    "first term 1 Sep of the first year – 31 Jan of the second year; second term 1 Feb – 31 Jul of the second "
    "year. Given dates must satisfy `term_end_on ≥ term_start_on`. Each record is one 人次 (person-time); the "
    "figures sum `class_hours` (学时)."
)

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


def render(row: Any) -> PartTimeTeachingPublic:
    """The public form of a part-time teaching row."""
    return PartTimeTeachingPublic(
        id=row.id,
        staff_name=row.staff_name,
        person_id=row.person_id,
        enterprise_org_id=row.enterprise_org_id,
        school_org_id=row.school_org_id,
        term=row.term,
        term_start_on=row.term_start_on,
        term_end_on=row.term_end_on,
        course=row.course,
        class_hours=float(row.class_hours),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
