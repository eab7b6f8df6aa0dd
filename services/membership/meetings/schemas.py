"""Meeting request/response models: MeetingCreate / MeetingUpdate / MeetingPublic, the figures, and `render`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError
from services.membership.meetings.models import (
    ATTENDANCE_LABELS,
    KIND_LABELS,
    QUORUM_LABELS,
    Attendance,
    MeetingKind,
    QuorumBase,
    QuorumRule,
)
from services.membership.tombstone import ListTombstone

EARLIEST, LATEST = date(1949, 1, 1), date(2199, 12, 31)


def _day(value: date | None) -> date | None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise CodeError(
            "date_range", "日期应在 1949-01-01 至 2199-12-31 之间", "Dates lie between 1949-01-01 and 2199-12-31"
        )
    return value


class AttendeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_id: uuid.UUID | None = Field(
        default=None, description="出席单位: an organization of the body (counts towards the quorum)"
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="出席人姓名 (an organization's representative, or a person attending in their own right)",
    )
    status: Attendance = Field(description="present 出席 · proxy 委托出席 · absent 缺席")

    @model_validator(mode="after")
    def _someone(self) -> AttendeeIn:
        if self.org_id is None and self.name is None:
            raise CodeError("attendee", "出席者须填写单位或姓名", "An attendee names an organization or a person")
        return self


class ResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000, description="决议内容")
    votes_for: int | None = Field(default=None, ge=0, le=100000, description="赞成票")
    votes_against: int | None = Field(default=None, ge=0, le=100000, description="反对票")
    votes_abstain: int | None = Field(default=None, ge=0, le=100000, description="弃权票")
    adopted: bool | None = Field(
        default=None,
        description="通过与否: derived from the votes when they are given (more votes for than half of the votes "
        "cast, at a quorate meeting); without votes (e.g. 鼓掌通过) it must be stated",
    )


class MeetingFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200, description="会议名称")
    held_on: IsoDate | None = Field(default=None, description="会议日期")
    place: str | None = Field(default=None, max_length=200, description="地点")
    quorum_rule: QuorumRule | None = Field(
        default=None,
        description="法定人数规则 (from the charter): more_than_half 过半数出席 · two_thirds 三分之二以上出席 · "
        "none 不设; default more_than_half",
    )
    seats: int | None = Field(
        default=None,
        ge=1,
        le=100000,
        description="应到单位数: the body's seats the quorum counts against; omitted = the committee's seats held on "
        "the meeting day, or (a meeting of the alliance itself) the organizations on the roll",
    )
    attendees: list[AttendeeIn] | None = Field(default=None, max_length=2000, description="签到名单 the roll")
    agenda: list[str] | None = Field(default=None, max_length=100, description="议程")
    resolutions: list[ResolutionIn] | None = Field(
        default=None, max_length=200, description="决议, numbered 1, 2 … in this order"
    )
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("held_on")
    @classmethod
    def _range(cls, v: date | None) -> date | None:
        return _day(v)

    @field_validator("agenda")
    @classmethod
    def _agenda(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and any(not item.strip() or len(item) > 500 for item in v):
            raise CodeError("agenda_item", "议程每项 1 至 500 字", "Each agenda item is 1 to 500 characters")
        return v


class MeetingCreate(MeetingFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
                    "committee_id": None,
                    "kind": "standing_council",
                    "title": "2024 年常务理事会",
                    "held_on": "2024-03-15",
                    "place": "潍坊职业学院",
                    "quorum_rule": "two_thirds",
                    "seats": 3,
                    "attendees": [
                        {"org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b", "name": "王建国", "status": "present"},
                        {"org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6c", "status": "proxy"},
                    ],
                    "agenda": ["审议年度工作报告", "审议新成员入会申请"],
                    "resolutions": [
                        {"text": "通过 2023 年度工作报告", "votes_for": 2, "votes_against": 0, "votes_abstain": 0}
                    ],
                }
            ]
        },
    )

    alliance_id: uuid.UUID
    committee_id: uuid.UUID | None = Field(
        default=None, description="召开会议的机构: a committee of the alliance; null = the alliance itself"
    )
    kind: MeetingKind = Field(
        description="会议类型: general_assembly 全体会员大会 · council 理事会 · standing_council 常务理事会 · "
        "committee 专委会会议 · secretariat 秘书处工作会议 · other"
    )
    title: str = Field(min_length=1, max_length=200, description="会议名称")
    held_on: IsoDate = Field(description="会议日期")


class MeetingUpdate(MeetingFields):
    """Partial update; lists (attendees, agenda, resolutions) are replaced whole. `null` clears place, seats, note."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"place": "潍坊市会展中心"}]})

    kind: MeetingKind | None = None

    @field_validator("title", "held_on", "kind", "quorum_rule", "attendees", "agenda", "resolutions", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class AttendeePublic(BaseModel):
    org_id: uuid.UUID | None
    name: str | None
    status: Attendance
    status_label: str


class ResolutionPublic(BaseModel):
    no: int = Field(description="决议编号 (1, 2 … within the meeting)")
    text: str
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    adopted: bool


class MeetingPublic(BaseModel):
    id: uuid.UUID
    alliance_id: uuid.UUID
    committee_id: uuid.UUID | None
    kind: MeetingKind
    kind_label: str
    title: str
    held_on: IsoDate
    place: str | None
    quorum_rule: QuorumRule
    quorum_rule_label: str
    seats: int | None = Field(description="应到单位数 as stated on the meeting (null: derived)")
    quorum_base: int = Field(description="The number the quorum counts against")
    quorum_base_source: QuorumBase = Field(description="stated · seats (the committee's, that day) · roll")
    present_count: int = Field(description="实到单位数: organizations present or by proxy")
    quorum_met: bool = Field(description="达到法定人数")
    attendees: list[AttendeePublic]
    agenda: list[str]
    resolutions: list[ResolutionPublic]
    note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class MeetingPage(Page[MeetingPublic | ListTombstone]):
    pass


class KindCount(BaseModel):
    kind: str
    kind_label: str
    count: int


class MeetingFigures(BaseModel):
    alliance_id: uuid.UUID
    year: int
    period_rule: str = Field(description="How a meeting falls in the year")
    meetings: int
    by_kind: list[KindCount]
    quorate: int = Field(description="Meetings that reached their quorum")
    resolutions_adopted: int


def render(row: Any) -> MeetingPublic:
    return MeetingPublic(
        id=row.id,
        alliance_id=row.alliance_id,
        committee_id=row.committee_id,
        kind=row.kind,
        kind_label=KIND_LABELS[row.kind],
        title=row.title,
        held_on=row.held_on,
        place=row.place,
        quorum_rule=row.quorum_rule,
        quorum_rule_label=QUORUM_LABELS[row.quorum_rule],
        seats=row.seats,
        quorum_base=row.quorum_base,
        quorum_base_source=row.quorum_base_source,
        present_count=row.present_count,
        quorum_met=row.quorum_met,
        attendees=[AttendeePublic(**a, status_label=ATTENDANCE_LABELS[a["status"]]) for a in row.attendees],
        agenda=list(row.agenda),
        resolutions=[ResolutionPublic(**r) for r in row.resolutions],
        note=row.note,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
