"""Activity request/response models: ActivityCreate / ActivityUpdate / ActivityPublic, the figures, and `render`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError
from services.membership.activities.models import KIND_LABELS, ActivityKind
from services.membership.tombstone import ListTombstone

EARLIEST, LATEST = date(1949, 1, 1), date(2199, 12, 31)
KIND_DESCRIPTION = (
    "活动类型: conference 研讨会 · lecture 专家报告会 · visit 考察交流 · training 培训 · competition 技能竞赛 · "
    "signing 签约仪式 · other 其他活动"
)


def _day(value: date | None) -> date | None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise CodeError(
            "date_range", "日期应在 1949-01-01 至 2199-12-31 之间", "Dates lie between 1949-01-01 and 2199-12-31"
        )
    return value


class ActivityFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200, description="活动名称")
    held_on: IsoDate | None = Field(default=None, description="活动日期 (first day)")
    end_on: IsoDate | None = Field(default=None, description="结束日期 (inclusive, ≥ held_on); null = one day")
    place: str | None = Field(default=None, max_length=200, description="地点")
    host_org_id: uuid.UUID | None = Field(default=None, description="主办单位: an organization")
    co_organizer_org_ids: list[uuid.UUID] | None = Field(default=None, max_length=100, description="协办/联办单位")
    participant_org_ids: list[uuid.UUID] | None = Field(default=None, max_length=2000, description="参加单位")
    headcount: int | None = Field(default=None, ge=0, le=10_000_000, description="参加人数 (人次)")
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("held_on", "end_on")
    @classmethod
    def _range(cls, v: date | None) -> date | None:
        return _day(v)


class ActivityCreate(ActivityFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
                    "kind": "lecture",
                    "title": "“工匠大讲堂”专家报告会",
                    "held_on": "2024-04-18",
                    "place": "潍坊职业学院报告厅",
                    "host_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "co_organizer_org_ids": [],
                    "participant_org_ids": [],
                    "headcount": 260,
                }
            ]
        },
    )

    alliance_id: uuid.UUID
    kind: ActivityKind = Field(description=KIND_DESCRIPTION)
    title: str = Field(min_length=1, max_length=200, description="活动名称")
    held_on: IsoDate = Field(description="活动日期 (first day)")


class ActivityUpdate(ActivityFields):
    """Partial update; `null` clears end_on, place, host_org_id, headcount, note."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"headcount": 300}]})

    kind: ActivityKind | None = Field(default=None, description=KIND_DESCRIPTION)

    @field_validator("kind", "title", "held_on", "co_organizer_org_ids", "participant_org_ids", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class ActivityPublic(BaseModel):
    id: uuid.UUID
    alliance_id: uuid.UUID
    kind: ActivityKind
    kind_label: str
    title: str
    held_on: IsoDate
    end_on: IsoDate | None
    place: str | None
    host_org_id: uuid.UUID | None
    co_organizer_org_ids: list[uuid.UUID]
    participant_org_ids: list[uuid.UUID]
    headcount: int | None
    note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ActivityPage(Page[ActivityPublic | ListTombstone]):
    pass


class ActivityKindFigure(BaseModel):
    kind: str
    kind_label: str
    count: int
    headcount: int = Field(description="参加人次 of the activities of this kind (those without a headcount add 0)")


class ActivityFigures(BaseModel):
    alliance_id: uuid.UUID
    year: int
    period_rule: str = Field(description="How an activity falls in the year")
    activities: int
    headcount: int
    by_kind: list[ActivityKindFigure]


def render(row: Any) -> ActivityPublic:
    return ActivityPublic(
        id=row.id,
        alliance_id=row.alliance_id,
        kind=row.kind,
        kind_label=KIND_LABELS[row.kind],
        title=row.title,
        held_on=row.held_on,
        end_on=row.end_on,
        place=row.place,
        host_org_id=row.host_org_id,
        co_organizer_org_ids=list(row.co_organizer_org_ids),
        participant_org_ids=list(row.participant_org_ids),
        headcount=row.headcount,
        note=row.note,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
