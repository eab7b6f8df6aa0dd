"""Committee request/response models."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError
from services.membership.committees.models import BODY_LABELS, SEAT_LABELS, BodyType, SeatRole
from services.membership.tombstone import ListTombstone


def _period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise CodeError("period_order", "结束日期不能早于开始日期", "end_on is before start_on")


class CommitteeCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
                    "name": "新能源汽车专业指导委员会",
                    "body_type": "specialized_committee",
                    "domain": "新能源汽车",
                    "established_on": "2023-03-18",
                }
            ]
        },
    )

    alliance_id: uuid.UUID
    name: str = Field(min_length=2, max_length=100)
    body_type: BodyType
    domain: str | None = Field(default=None, max_length=50, description="产业领域 of a 专指委, e.g. 工业机器人")
    description: str | None = Field(default=None, max_length=5000)
    established_on: IsoDate | None = None


class CommitteeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"description": "负责专业建设指导"}]})

    name: str | None = Field(default=None, min_length=2, max_length=100)
    domain: str | None = Field(default=None, max_length=50)
    description: str | None = Field(default=None, max_length=5000)
    established_on: IsoDate | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class CommitteePublic(BaseModel):
    id: uuid.UUID
    alliance_id: uuid.UUID
    name: str
    body_type: BodyType
    body_type_label: str
    domain: str | None
    description: str | None
    established_on: IsoDate | None
    version: int
    created_at: datetime
    updated_at: datetime


class CommitteePage(Page[CommitteePublic | ListTombstone]):
    pass


class SeatCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "seat_role": "director_unit",
                    "start_on": "2023-03-18",
                }
            ]
        },
    )

    org_id: uuid.UUID
    seat_role: SeatRole
    start_on: IsoDate
    end_on: IsoDate | None = None

    @field_validator("end_on")
    @classmethod
    def _order(cls, end_on: date | None, info: ValidationInfo) -> date | None:
        _period(info.data.get("start_on"), end_on)
        return end_on


class SeatEnd(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"end_on": "2025-12-31", "reason": "换届"}]}
    )

    end_on: IsoDate
    reason: str | None = Field(default=None, max_length=500)


class SeatPublic(BaseModel):
    id: uuid.UUID
    committee_id: uuid.UUID
    org_id: uuid.UUID
    org_name: str
    seat_role: SeatRole
    seat_role_label: str
    start_on: IsoDate
    end_on: IsoDate | None
    end_reason: str | None


class PositionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"person_id": "019abf2e-0000-7000-8000-0000000000aa", "title": "秘书长", "start_on": "2023-03-18"}
            ]
        },
    )

    person_id: uuid.UUID
    title: str = Field(min_length=1, max_length=50, description="主任, 副主任, 秘书长, 委员 …")
    start_on: IsoDate
    end_on: IsoDate | None = None

    @field_validator("end_on")
    @classmethod
    def _order(cls, end_on: date | None, info: ValidationInfo) -> date | None:
        _period(info.data.get("start_on"), end_on)
        return end_on


class PositionPublic(BaseModel):
    id: uuid.UUID
    committee_id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    title: str
    start_on: IsoDate
    end_on: IsoDate | None


def render(row: Any) -> CommitteePublic:
    """The public form of a committee row: its fields and its body type's label."""
    return CommitteePublic(
        id=row.id,
        alliance_id=row.alliance_id,
        name=row.name,
        body_type=row.body_type,
        body_type_label=BODY_LABELS[row.body_type],
        domain=row.domain,
        description=row.description,
        established_on=row.established_on,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def render_seat(row: Any, org_name: str) -> SeatPublic:
    """The public form of a seat, with the name of the organization holding it."""
    return SeatPublic(
        id=row.id,
        committee_id=row.committee_id,
        org_id=row.org_id,
        org_name=org_name,
        seat_role=row.seat_role,
        seat_role_label=SEAT_LABELS[row.seat_role],
        start_on=row.start_on,
        end_on=row.end_on,
        end_reason=row.end_reason,
    )


def render_position(row: Any, person_name: str) -> PositionPublic:
    """The public form of a position, with the name of the person holding it."""
    return PositionPublic(
        id=row.id,
        committee_id=row.committee_id,
        person_id=row.person_id,
        person_name=person_name,
        title=row.title,
        start_on=row.start_on,
        end_on=row.end_on,
    )
