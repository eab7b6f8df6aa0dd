"""Enrolment request/response models (single, transitions, attendance, batch)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.sync_exits import Exit, ExitTombstone
from services.training.enrolments.models import LIFECYCLE, STATUS_LABELS, EnrolmentStatus
from services.training.learners.schemas import LearnerSummary

Days = Annotated[
    Decimal, Field(ge=0, le=3660, max_digits=7, decimal_places=1, description="出勤天数 (≥ 0, 0.5 steps ok)")
]
Hours = Annotated[Decimal, Field(ge=0, le=100000, max_digits=8, decimal_places=1, description="出勤学时 (≥ 0)")]
Score = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2, description="成绩 0–100")]


class EnrolmentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "learner_id": "019abf40-0000-7000-8000-0000000000a1",
                    "programme_id": "019abf31-2e3f-7b5c-9d6e-7f8a9b0c1d2e",
                    "enrolled_on": "2025-08-25",
                }
            ]
        },
    )

    learner_id: uuid.UUID = Field(
        description="学员: a learner record of the enrolling organization (`POST /v1/learners`); another "
        "organization's record is 404"
    )
    programme_id: uuid.UUID = Field(description="培训项目: a programme of the caller's organization")
    enrolled_on: IsoDate | None = Field(default=None, description="报名日期; default today (Asia/Shanghai)")


class EnrolmentUpdate(BaseModel):
    """Attendance and score; `null` clears a value (a completed enrolment keeps days and hours)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"days_attended": 20, "hours_attended": 160, "score": 88.5}]}
    )

    days_attended: Days | None = None
    hours_attended: Hours | None = None
    score: Score | None = None


class EnrolmentTransitionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"to": "completed", "effective_on": "2026-06-30", "reason": "考核合格"},
                {"to": "dropped", "effective_on": "2025-10-08", "reason": "本人申请退出"},
            ]
        },
    )

    to: EnrolmentStatus = Field(description="enrolled → completed | dropped | failed (the others are final)")
    effective_on: IsoDate = Field(
        description="生效日期: not before the enrolment or its latest change, not in the future"
    )
    reason: str | None = Field(default=None, max_length=500)


class EnrolmentPublic(BaseModel):
    id: uuid.UUID
    learner_id: uuid.UUID
    learner: LearnerSummary = Field(
        description="The learner as its record shows it (name, masked number) — what the provider and partners see "
        "of the learner; the record itself stays its owner's"
    )
    programme_id: uuid.UUID
    provider_org_id: uuid.UUID = Field(description="举办单位 of the programme")
    status: EnrolmentStatus
    status_label: str
    enrolled_on: IsoDate
    status_changed_on: IsoDate = Field(description="Effective date of the latest status change (enrolled_on at first)")
    status_reason: str | None
    days_attended: float | None = Field(description="出勤天数; person-days 人日 = Σ days_attended")
    hours_attended: float | None
    score: float | None
    allowed_transitions: list[EnrolmentStatus]
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class EnrolmentTombstone(BaseModel):
    """Returned in lists with `include_deleted=true` for deleted enrolments (no route deletes one — a withdrawal is
    the `dropped` transition, an update — but a record an operator removes leaves this tombstone)."""

    id: uuid.UUID
    deleted: bool = True
    deleted_at: datetime


class EnrolmentPage(Page[EnrolmentPublic | EnrolmentTombstone | ExitTombstone]):
    pass


# The example body of `POST /v1/enrolments/batch` (the body itself is read by `chanjiao.batch.BatchBody`).
BATCH_EXAMPLE: dict[str, Any] = {
    "items": [
        {"learner_id": "019abf40-0000-7000-8000-0000000000a1", "programme_id": "019abf31-2e3f-7b5c-9d6e-7f8a9b0c1d2e"},
        {
            "learner_id": "019abf40-0000-7000-8000-0000000000a2",
            "programme_id": "019abf31-2e3f-7b5c-9d6e-7f8a9b0c1d2e",
            "enrolled_on": "2025-08-26",
        },
    ]
}


class EnrolmentBatchItemResult(BaseModel):
    index: int
    status: int = Field(description="201 created; 4xx the item's problem; 424 valid but not committed (atomic)")
    id: uuid.UUID | None = None
    existing_id: uuid.UUID | None = Field(default=None, description="The enrolment that makes this one a duplicate")
    problem: dict[str, Any] | None = None


class EnrolmentBatchResult(BaseModel):
    committed: bool
    created: int
    failed: int
    batch_id: uuid.UUID | None = Field(
        default=None,
        description="The batch, when it created anything: its `enrolment.batch_created` event and audit row "
        "(entity `enrolment_batch`) carry this id",
    )
    results: list[EnrolmentBatchItemResult]


# ---- the public form -----------------------------------------------------------------------------------------------
# An enrolment as listed: (enrolment, provider organization, learner name, learner masked number).
Row = tuple[Any, uuid.UUID, str, str | None]


def render_page(rows: list[Any]) -> list[EnrolmentPublic | EnrolmentTombstone | ExitTombstone]:
    """A list page: a deleted enrolment is a tombstone (only listed with `include_deleted=true`), one that left the
    caller's view a `not_visible` tombstone."""
    return [
        ExitTombstone.of(row)
        if isinstance(row, Exit)
        else EnrolmentTombstone(id=row[0].id, deleted_at=row[0].deleted_at)
        if row[0].deleted_at is not None
        else render(row)
        for row in rows
    ]


def render(row: Row) -> EnrolmentPublic:
    """A row of (enrolment, provider organization, learner name, learner masked number): the learner as a summary,
    never the record."""

    def num(v: Any) -> float | None:
        return float(v) if v is not None else None

    e, provider, name, masked = row
    return EnrolmentPublic(
        id=e.id,
        learner_id=e.learner_id,
        learner=LearnerSummary(name=name, id_number_masked=masked),
        programme_id=e.programme_id,
        provider_org_id=provider,
        status=e.status,
        status_label=STATUS_LABELS[e.status],
        enrolled_on=e.enrolled_on,
        status_changed_on=e.status_changed_on,
        status_reason=e.status_reason,
        days_attended=num(e.days_attended),
        hours_attended=num(e.hours_attended),
        score=num(e.score),
        allowed_transitions=LIFECYCLE.allowed_from(e.status),
        version=e.version,
        created_at=e.created_at,
        updated_at=e.updated_at,
    )
