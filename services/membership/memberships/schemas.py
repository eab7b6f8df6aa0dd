"""Membership request/response models, and the shapes of the as-of answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError
from services.membership.memberships.models import LIFECYCLE, ROLE_LABELS, MemberRole, MembershipStatus
from services.membership.tombstone import ListTombstone


class MembershipCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
                    "role": "director",
                    "applied_on": "2019-03-01",
                }
            ]
        },
    )

    org_id: uuid.UUID
    alliance_id: uuid.UUID
    role: MemberRole = Field(default=MemberRole.member, description="成员角色 (may change later through transitions)")
    applied_on: IsoDate | None = Field(
        default=None,
        description="申请日期 (of an invitation: 邀请日期); default today (Asia/Shanghai); past dates "
        "allowed so a secretariat can enter its history",
    )
    reason: str | None = Field(default=None, max_length=500)


class MembershipTransitionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"to": "active", "effective_on": "2019-04-15", "reason": "理事会审议通过"},
                {"to": "active", "role": "vice_chair", "effective_on": "2023-01-10", "reason": "换届选举"},
            ]
        },
    )

    to: MembershipStatus = Field(description="The new status; the current one to change only the role")
    role: MemberRole | None = Field(default=None, description="A new role, changed with the same event")
    effective_on: IsoDate = Field(description="生效日期; not before the latest event, not in the future")
    reason: str | None = Field(default=None, max_length=500)
    meeting_id: uuid.UUID | None = Field(
        default=None,
        description="决定该变更的会议 (e.g. the 理事会 that admitted the member): a meeting of the same alliance held "
        "on or before effective_on",
    )
    resolution_no: int | None = Field(
        default=None, ge=1, le=1000, description="该会议的决议编号: an adopted resolution of meeting_id"
    )

    @model_validator(mode="after")
    def _resolution_of_meeting(self) -> MembershipTransitionCreate:
        if self.resolution_no is not None and self.meeting_id is None:
            raise CodeError("meeting_required", "填写决议编号时须指定会议", "resolution_no needs a meeting_id")
        return self


class MembershipEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    from_status: MembershipStatus | None = Field(serialization_alias="from")
    to_status: MembershipStatus = Field(serialization_alias="to")
    from_role: MemberRole | None
    role: MemberRole
    effective_on: IsoDate
    reason: str | None
    meeting_id: uuid.UUID | None = Field(default=None, description="决定该变更的会议")
    resolution_no: int | None = Field(default=None, description="该会议的决议编号")
    actor: str
    recorded_at: datetime


class MembershipPublic(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    org_name: str
    alliance_id: uuid.UUID
    role: MemberRole
    role_label: str
    status: MembershipStatus
    applied_on: IsoDate
    joined_on: IsoDate | None = Field(description="First entry into active (derived from the events)")
    ended_on: IsoDate | None = Field(description="Date of exit, rejection or withdrawal (derived from the events)")
    allowed_transitions: list[MembershipStatus]
    version: int
    created_at: datetime
    updated_at: datetime
    events: list[MembershipEventPublic] | None = Field(default=None, description="Full history (single reads)")


class MembershipPage(Page[MembershipPublic]):
    pass


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    membership_id: uuid.UUID
    role: MemberRole


class RoleChangesCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "effective_on": "2024-01-08",
                    "reason": "理事长单位换届",
                    "changes": [
                        {"membership_id": "019abf2e-0000-7000-8000-000000000001", "role": "vice_chair"},
                        {"membership_id": "019abf2e-0000-7000-8000-000000000002", "role": "chair"},
                    ],
                }
            ]
        },
    )

    effective_on: IsoDate
    reason: str | None = Field(default=None, max_length=500)
    changes: list[RoleChange] = Field(min_length=1, max_length=100)


class Count(BaseModel):
    key: str
    label: str
    count: int


class Structure(BaseModel):
    alliance_id: uuid.UUID
    as_of: IsoDate
    total: int = Field(description="Members (active or suspended) on that day")
    by_org_type: list[Count] = Field(description="单位类型 — by each member's type on that day (its dated changes)")
    by_role: list[Count]
    provinces: list[Count] = Field(
        description="Provinces covered, with member counts (from each member's region code on that day)"
    )
    cities: list[Count] = Field(description="Prefecture-level cities covered")
    countries: list[Count] = Field(
        default_factory=list, description="境外成员 — members outside China by ISO 3166-1 country code"
    )


class ChangeItem(BaseModel):
    membership_id: uuid.UUID
    org_id: uuid.UUID
    org_name: str
    effective_on: IsoDate
    from_role: MemberRole | None = None
    role: MemberRole
    to: MembershipStatus


class TypeChangeItem(BaseModel):
    org_id: uuid.UUID
    org_name: str
    effective_on: IsoDate
    from_org_type: str
    from_org_type_label: str
    to_org_type: str
    to_org_type_label: str


class Changes(BaseModel):
    alliance_id: uuid.UUID
    period_start: IsoDate
    period_end: IsoDate
    joined: list[ChangeItem]
    exited: list[ChangeItem]
    role_changed: list[ChangeItem]
    type_changed: list[TypeChangeItem] = Field(
        default_factory=list,
        description="类型变更 — members whose type changed on a day they were members (技工学校 → 技师学院)",
    )


class MemberAsOf(BaseModel):
    id: uuid.UUID = Field(description="成员资格ID（同 membership_id）— the membership's id, as `membership_id`")
    membership_id: uuid.UUID
    org_id: uuid.UUID
    org_name: str
    org_type: str = Field(description="单位类型 — the member's type on `as_of`")
    region_code: str | None = Field(description="行政区划 — its region on `as_of` (null: a foreign organization)")
    role: MemberRole
    role_label: str
    status: MembershipStatus
    updated_at: datetime = Field(description="成员资格最后变更时间 When the membership last changed")


class MemberPage(Page[MemberAsOf | ListTombstone]):
    as_of: IsoDate


# ---- public forms ---------------------------------------------------------------------------------------------------
def render_event(row: Any) -> MembershipEventPublic:
    return MembershipEventPublic(
        seq=row.seq,
        from_status=row.from_status,
        to_status=row.to_status,
        from_role=row.from_role,
        role=row.to_role,
        effective_on=row.effective_on,
        reason=row.reason,
        meeting_id=row.meeting_id,
        resolution_no=row.resolution_no,
        actor=row.actor,
        recorded_at=row.recorded_at,
    )


def render(row: Any, *, org_name: str, events: list[Any] | None = None) -> MembershipPublic:
    """The public form of a membership row: its organization's name, its labels and the transitions open to it,
    and with `events` (its history, oldest first) the events too."""
    return MembershipPublic(
        id=row.id,
        org_id=row.org_id,
        org_name=org_name,
        alliance_id=row.alliance_id,
        role=row.role,
        role_label=ROLE_LABELS[row.role],
        status=row.status,
        applied_on=row.applied_on,
        joined_on=row.joined_on,
        ended_on=row.ended_on,
        allowed_transitions=LIFECYCLE.allowed_from(row.status),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        events=None if events is None else [render_event(e) for e in events],
    )


# The example of a membership in the OpenAPI document (the membership routes and the alliance roll).
EXAMPLE = {
    "id": "019abf2e-0000-7000-8000-000000000001",
    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "org_name": "山东化工职业学院",
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "role": "vice_chair",
    "role_label": "副理事长单位",
    "status": "active",
    "applied_on": "2019-03-01",
    "joined_on": "2019-04-15",
    "ended_on": None,
    "allowed_transitions": ["expelled", "suspended", "withdrawn"],
    "version": 3,
    "created_at": "2026-11-25T08:00:00Z",
    "updated_at": "2026-11-25T08:00:00Z",
    "events": [
        {
            "seq": 1,
            "from": None,
            "to": "pending",
            "from_role": None,
            "role": "director",
            "effective_on": "2019-03-01",
            "reason": "入会申请",
            "actor": "anonymous",
            "recorded_at": "2026-11-25T08:00:00Z",
        },
        {
            "seq": 2,
            "from": "pending",
            "to": "active",
            "from_role": "director",
            "role": "director",
            "effective_on": "2019-04-15",
            "reason": "理事会审议通过",
            "actor": "anonymous",
            "recorded_at": "2026-11-25T08:00:00Z",
        },
        {
            "seq": 3,
            "from": "active",
            "to": "active",
            "from_role": "director",
            "role": "vice_chair",
            "effective_on": "2023-01-10",
            "reason": "换届选举",
            "actor": "anonymous",
            "recorded_at": "2026-11-25T08:00:00Z",
        },
    ],
}
