"""Appointment request/response models: AppointmentCreate / AppointmentUpdate / AppointmentPublic, and `render`
(a row's public form)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.sync_exits import ExitTombstone
from chanjiao.validators import CodeError
from services.membership.appointments.models import APPOINTMENT_TYPE_LABELS, AppointmentType

TYPE_DESCRIPTION = (
    "聘任类型 (closed list): industry_professor 产业教授 · guest_professor 客座教授 · enterprise_mentor 企业导师 · "
    "part_time_teacher 兼职教师 · off_campus_counsellor 校外辅导员 — held at a school; research_assistant 科研助理 "
    "— a school teacher at an enterprise"
)
# Dates a period may use: wide enough for any history, narrow enough for every database type.
EARLIEST, LATEST = date(1949, 1, 1), date(2199, 12, 31)


def _note(value: str | None) -> str | None:
    if value is None:
        return None
    note = value.strip()
    if any((ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7F for c in note):
        raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
    if len(note) > 500:
        raise CodeError("length", "备注至多 500 个字符", "A note is at most 500 characters long")
    return note or None


def _in_range(value: date | None) -> date | None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise CodeError(
            "date_range", "日期应在 1949-01-01 至 2199-12-31 之间", "Dates lie between 1949-01-01 and 2199-12-31"
        )
    return value


Note = Annotated[
    str | None,
    Field(max_length=2000, description="备注, up to 500 characters (e.g. 聘书编号, 聘任文件)"),
    AfterValidator(_note),
]
Day = Annotated[IsoDate, AfterValidator(_in_range)]
OptionalDay = Annotated[IsoDate | None, AfterValidator(_in_range)]


class AppointmentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d",
                    "host_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "appointment_type": "industry_professor",
                    "start_on": "2026-09-01",
                    "end_on": "2029-08-31",
                    "note": "鲁教职字〔2026〕12号",
                }
            ]
        },
    )

    person_id: uuid.UUID = Field(description="受聘人员: an existing person")
    host_org_id: uuid.UUID = Field(
        description="聘任单位: an existing, active organization other than the person's own — a school "
        "(undergraduate, higher_vocational, secondary_vocational, technical_school, technician_college), or an "
        "enterprise for "
        "research_assistant"
    )
    appointment_type: AppointmentType = Field(description=TYPE_DESCRIPTION)
    start_on: Day = Field(description="聘期开始 (inclusive)")
    end_on: OptionalDay = Field(default=None, description="聘期结束 (inclusive, ≥ start_on); null = open-ended")
    note: Note = None


class AppointmentUpdate(BaseModel):
    """Partial update (the person is fixed): `null` clears `end_on` (open-ended) and `note`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"end_on": "2027-06-30"}]})

    host_org_id: uuid.UUID | None = None
    appointment_type: AppointmentType | None = Field(default=None, description=TYPE_DESCRIPTION)
    start_on: OptionalDay = None
    end_on: OptionalDay = None
    note: Note = None

    @field_validator("host_org_id", "appointment_type", "start_on", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class AppointmentPublic(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    host_org_id: uuid.UUID
    appointment_type: AppointmentType
    appointment_type_label: str = Field(description="聘任类型的中文名称")
    start_on: IsoDate
    end_on: IsoDate | None
    note: str | None
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class AppointmentTombstone(BaseModel):
    """Returned in lists with `include_deleted=true` for appointments deleted since `updated_since`."""

    id: uuid.UUID
    deleted: bool = True
    deleted_at: datetime


class AppointmentPage(Page[AppointmentPublic | AppointmentTombstone | ExitTombstone]):
    pass


def render(row: Any) -> AppointmentPublic:
    """The public form of an appointment row, with the Chinese name of its type."""
    return AppointmentPublic(
        id=row.id,
        person_id=row.person_id,
        host_org_id=row.host_org_id,
        appointment_type=row.appointment_type,
        appointment_type_label=APPOINTMENT_TYPE_LABELS[row.appointment_type],
        start_on=row.start_on,
        end_on=row.end_on,
        note=row.note,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
