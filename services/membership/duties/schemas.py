"""Duty request/response models: DutyCreate (one duty per assignee) / DutyUpdate / DutyTransition / DutyPublic, the
figures, and `render`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError
from services.membership.committees.models import SEAT_LABELS, SeatRole
from services.membership.duties.models import STATUS_LABELS, DutyStatus
from services.membership.tombstone import ListTombstone

EARLIEST, LATEST = date(1949, 1, 1), date(2199, 12, 31)


def _day(value: date | None) -> date | None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise CodeError(
            "date_range", "日期应在 1949-01-01 至 2199-12-31 之间", "Dates lie between 1949-01-01 and 2199-12-31"
        )
    return value


class DutyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
                    "committee_id": "019abf2e-0000-7000-8000-0000000000c1",
                    "seat_roles": ["director_unit", "deputy_director_unit"],
                    "title": "专业人才需求调研报告",
                    "deliverable": "院校所属地区和服务企业行业的专业人才需求调研报告",
                    "assigned_on": "2024-01-10",
                    "due_on": "2024-06-30",
                }
            ]
        },
    )

    alliance_id: uuid.UUID
    committee_id: uuid.UUID | None = Field(
        default=None, description="布置职责的机构: a committee of the alliance; null = the alliance itself"
    )
    assignee_org_ids: list[uuid.UUID] | None = Field(
        default=None, min_length=1, max_length=500, description="承担单位: named organizations, one duty each"
    )
    seat_roles: list[SeatRole] | None = Field(
        default=None,
        min_length=1,
        max_length=10,
        description="按席位角色布置: every organization holding one of these seats of `committee_id` on `assigned_on` "
        "gets the duty (e.g. 主任及副主任单位)",
    )
    title: str = Field(min_length=1, max_length=200, description="职责名称")
    deliverable: str = Field(min_length=1, max_length=2000, description="交付成果 (e.g. 专业人才需求调研报告)")
    assigned_on: IsoDate = Field(description="布置日期")
    due_on: IsoDate = Field(description="完成期限 (≥ assigned_on)")

    @field_validator("assigned_on", "due_on")
    @classmethod
    def _range(cls, v: date) -> date:
        return _day(v)  # type: ignore[return-value]

    @model_validator(mode="after")
    def _one_way(self) -> DutyCreate:
        if (self.assignee_org_ids is None) == (self.seat_roles is None):
            raise CodeError(
                "assignees", "须且只能填写 assignee_org_ids 或 seat_roles 之一", "Give assignee_org_ids or seat_roles"
            )
        if self.seat_roles is not None and self.committee_id is None:
            raise CodeError("committee", "按席位角色布置须指定机构 committee_id", "seat_roles need a committee_id")
        if self.due_on < self.assigned_on:
            raise CodeError("period_order", "完成期限不能早于布置日期", "due_on is before assigned_on")
        return self


class DutyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"due_on": "2024-07-31"}]})

    title: str | None = Field(default=None, min_length=1, max_length=200)
    deliverable: str | None = Field(default=None, min_length=1, max_length=2000)
    due_on: IsoDate | None = None

    @field_validator("title", "deliverable", "due_on", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class DutyTransition(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"to": "submitted", "on": "2024-06-20", "note": "调研报告已上传至共享盘"}]},
    )

    to: DutyStatus = Field(description="submitted 提交 (the assignee) · accepted 验收 / returned 退回 (the alliance)")
    on: IsoDate | None = Field(default=None, description="日期; default today (Asia/Shanghai), not in the future")
    note: str | None = Field(default=None, max_length=2000, description="提交说明 or 验收意见")


class DutyPublic(BaseModel):
    id: uuid.UUID
    alliance_id: uuid.UUID
    committee_id: uuid.UUID | None
    seat_role: SeatRole | None = Field(description="The seat the duty came with (assigned by role), else null")
    seat_role_label: str | None
    assignee_org_id: uuid.UUID
    title: str
    deliverable: str
    assigned_on: IsoDate
    due_on: IsoDate
    status: DutyStatus
    status_label: str
    submitted_on: IsoDate | None
    accepted_on: IsoDate | None
    submission: str | None
    review: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class DutyAssignment(BaseModel):
    items: list[DutyPublic] = Field(description="One duty per assignee organization")


class DutyPage(Page[DutyPublic | ListTombstone]):
    pass


class DutyFigures(BaseModel):
    alliance_id: uuid.UUID
    year: int
    as_of: IsoDate = Field(description="The day overdue is judged on: today, or 31 December of a past year")
    period_rule: str
    due: int = Field(description="Duties due in the year")
    accepted: int = Field(description="Duties accepted in the year")
    overdue: int = Field(description="Duties due in the year, past their due date on `as_of` and not accepted")


def render(row: Any) -> DutyPublic:
    return DutyPublic(
        id=row.id,
        alliance_id=row.alliance_id,
        committee_id=row.committee_id,
        seat_role=row.seat_role,
        seat_role_label=SEAT_LABELS.get(row.seat_role) if row.seat_role else None,
        assignee_org_id=row.assignee_org_id,
        title=row.title,
        deliverable=row.deliverable,
        assigned_on=row.assigned_on,
        due_on=row.due_on,
        status=row.status,
        status_label=STATUS_LABELS[row.status],
        submitted_on=row.submitted_on,
        accepted_on=row.accepted_on,
        submission=row.submission,
        review=row.review,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
