"""Committee request/response models."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError
from services.membership.committees.models import (
    APPLICATION_LABELS,
    BODY_LABELS,
    CATEGORY_LABELS,
    RANK_LABELS,
    RANK_TO_ROLE,
    SEAT_LABELS,
    STATUS_LABELS,
    ApplicationStatus,
    BodyType,
    CommitteeStatus,
    HolderKind,
    SeatCategory,
    SeatRank,
    SeatRole,
)
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
    status: CommitteeStatus = Field(
        default=CommitteeStatus.active,
        description="筹建中 preparing (申报/筹建, not yet formed) or 运行 active (the default); a body is dissolved "
        "through `POST /v1/committees/{id}/transitions`",
    )
    parent_id: uuid.UUID | None = Field(
        default=None, description="所属机构 the body this one sits in (a 专家组 inside a 专指委), same alliance"
    )


class CommitteeTransitionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"to": "active", "effective_on": "2020-06-18", "reason": "筹建完成，正式成立"}]
        },
    )

    to: CommitteeStatus = Field(description="preparing → active or dissolved; active → dissolved")
    effective_on: IsoDate = Field(description="成立或撤销日期 the day it was formed (active) or dissolved")
    reason: str | None = Field(default=None, max_length=500, description="原因 e.g. 理事会决议")


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
    status: CommitteeStatus
    status_label: str
    dissolved_on: IsoDate | None
    parent_id: uuid.UUID | None
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
                    "rank": "deputy_director_unit",
                    "category": "training_company",
                    "start_on": "2023-03-18",
                }
            ]
        },
    )

    org_id: uuid.UUID | None = Field(default=None, description="持席单位 the organization holding the seat")
    holder_committee_id: uuid.UUID | None = Field(
        default=None, description="持席机构 another body of the same alliance holding the seat (e.g. 常务理事会)"
    )
    holder_alliance_id: uuid.UUID | None = Field(default=None, description="持席联盟 an alliance holding the seat")
    outside: bool = Field(
        default=False,
        description="外部单位: the organization is not a member of the alliance (an outside or foreign unit); "
        "without it a seat needs an active membership",
    )
    rank: SeatRank | None = Field(default=None, description="席位级别 主任单位/副主任单位/秘书处单位/成员单位/参与单位")
    category: SeatCategory | None = Field(default=None, description="单位类别 教育培训型企业, 技工院校 …")
    seat_role: SeatRole | None = Field(
        default=None, description="旧字段 the former single field, instead of rank/category (mapped onto them)"
    )
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
    holder_kind: HolderKind
    holder_id: uuid.UUID
    holder_name: str
    org_id: uuid.UUID | None
    org_name: str | None
    outside: bool
    rank: SeatRank
    rank_label: str
    category: SeatCategory | None
    category_label: str | None
    seat_role: SeatRole | None
    seat_role_label: str | None
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

    person_id: uuid.UUID | None = Field(default=None, description="人员 a person of a member organization")
    expert_id: uuid.UUID | None = Field(
        default=None, description="外聘专家 an outside expert of the alliance's pool (instead of person_id)"
    )
    title: str = Field(min_length=1, max_length=50, description="主任, 副主任, 秘书长, 委员, 组长 …")
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
    person_id: uuid.UUID | None
    expert_id: uuid.UUID | None
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
        status=row.status,
        status_label=STATUS_LABELS[row.status],
        dissolved_on=row.dissolved_on,
        parent_id=row.parent_id,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def render_seat(row: Any, holder_name: str) -> SeatPublic:
    """The public form of a seat: its holder (kind, id, name), rank and category with their labels, and the former
    `seat_role` where the seat maps onto one (null otherwise)."""
    if row.org_id is not None:
        kind, holder = HolderKind.organization, row.org_id
    elif row.holder_committee_id is not None:
        kind, holder = HolderKind.committee, row.holder_committee_id
    else:
        kind, holder = HolderKind.alliance, row.holder_alliance_id
    role = RANK_TO_ROLE.get((row.rank, row.category))
    return SeatPublic(
        id=row.id,
        committee_id=row.committee_id,
        holder_kind=kind,
        holder_id=holder,
        holder_name=holder_name,
        org_id=row.org_id,
        org_name=holder_name if row.org_id is not None else None,
        outside=row.outside,
        rank=row.rank,
        rank_label=RANK_LABELS[row.rank],
        category=row.category,
        category_label=CATEGORY_LABELS[row.category] if row.category else None,
        seat_role=role,
        seat_role_label=SEAT_LABELS[role] if role else None,
        start_on=row.start_on,
        end_on=row.end_on,
        end_reason=row.end_reason,
    )


def render_position(row: Any, person_name: str) -> PositionPublic:
    """The public form of a position, with the name of the person (or outside expert) holding it."""
    return PositionPublic(
        id=row.id,
        committee_id=row.committee_id,
        person_id=row.person_id,
        expert_id=row.expert_id,
        person_name=person_name,
        title=row.title,
        start_on=row.start_on,
        end_on=row.end_on,
    )


# ---- planned composition and the composition figures --------------------------------------------------------------
class CommitteePlanLineInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rank: SeatRank | None = Field(default=None, description="席位级别 (null: any rank)")
    category: SeatCategory | None = Field(default=None, description="单位类别 (null: any category)")
    planned_min: int = Field(ge=0, le=100000, description="计划数下限 e.g. 30 of 技工院校 30—50 所")
    planned_max: int | None = Field(default=None, ge=0, le=100000, description="计划数上限 (null: exactly planned_min)")
    note: str | None = Field(default=None, max_length=200)


class CommitteePlanPut(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"rank": "director_unit", "category": "school", "planned_min": 1},
                        {"rank": "deputy_director_unit", "category": "training_company", "planned_min": 1},
                        {"category": "integration_enterprise", "planned_min": 2, "planned_max": 3},
                        {"category": "school", "planned_min": 30, "planned_max": 50},
                    ]
                }
            ]
        },
    )

    items: list[CommitteePlanLineInput] = Field(
        max_length=50, description="计划构成 the whole plan (replaces the previous one)"
    )


class CompositionCount(BaseModel):
    key: str | None
    label: str
    filled: int


class CompositionPlanLine(BaseModel):
    rank: SeatRank | None
    rank_label: str | None
    category: SeatCategory | None
    category_label: str | None
    planned_min: int
    planned_max: int | None
    note: str | None
    filled: int
    met: bool


class CompositionPublic(BaseModel):
    committee_id: uuid.UUID
    as_of: IsoDate
    period_rule: str
    seats: int
    outside_seats: int
    body_seats: int
    by_rank: list[CompositionCount]
    by_category: list[CompositionCount]
    plan: list[CompositionPlanLine]
    positions: int
    outside_expert_positions: int


def plan_line(row: Any, filled: int) -> CompositionPlanLine:
    """A plan line with its labels and the seats held that match it; `met` when filled reaches planned_min."""
    return CompositionPlanLine(
        rank=row.rank,
        rank_label=RANK_LABELS[row.rank] if row.rank else None,
        category=row.category,
        category_label=CATEGORY_LABELS[row.category] if row.category else None,
        planned_min=row.planned_min,
        planned_max=row.planned_max,
        note=row.note,
        filled=filled,
        met=filled >= row.planned_min,
    )


# ---- applications 申报 --------------------------------------------------------------------------------------------
class ApplicationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "rank": "member_unit",
                    "category": "school",
                    "note": "自愿申报参与新餐饮专指委",
                }
            ]
        },
    )

    org_id: uuid.UUID = Field(description="申报单位 the applying organization")
    rank: SeatRank = Field(default=SeatRank.member_unit, description="申报的席位级别 (default 成员单位)")
    category: SeatCategory | None = Field(default=None, description="单位类别")
    note: str | None = Field(default=None, max_length=1000, description="申报说明")


class ApplicationDecision(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"to": "accepted", "start_on": "2020-01-01", "reason": "专指委会议通过"}]},
    )

    to: Literal["accepted", "declined"] = Field(description="接受 accepted (gives the seat) or 不接受 declined")
    start_on: IsoDate | None = Field(default=None, description="席位开始日期 (accepted; default today)")
    reason: str | None = Field(default=None, max_length=500, description="原因")


class ApplicationPublic(BaseModel):
    id: uuid.UUID
    committee_id: uuid.UUID
    org_id: uuid.UUID
    org_name: str
    rank: SeatRank
    rank_label: str
    category: SeatCategory | None
    category_label: str | None
    note: str | None
    applied_on: IsoDate
    status: ApplicationStatus
    status_label: str
    decided_on: IsoDate | None
    reason: str | None
    seat_id: uuid.UUID | None


def render_application(row: Any, org_name: str) -> ApplicationPublic:
    """The public form of an application, with the applicant's name and the labels."""
    return ApplicationPublic(
        id=row.id,
        committee_id=row.committee_id,
        org_id=row.org_id,
        org_name=org_name,
        rank=row.rank,
        rank_label=RANK_LABELS[row.rank],
        category=row.category,
        category_label=CATEGORY_LABELS[row.category] if row.category else None,
        note=row.note,
        applied_on=row.applied_on,
        status=row.status,
        status_label=APPLICATION_LABELS[row.status],
        decided_on=row.decided_on,
        reason=row.reason,
        seat_id=row.seat_id,
    )
