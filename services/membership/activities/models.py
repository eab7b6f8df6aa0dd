"""Activities 活动 an alliance holds besides its meetings: conferences, expert lectures, visits, trainings,
competitions — with host, co-organizers, participating organizations and headcount (docs/domain.md, "Governance")."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.membership.db import Base


class ActivityKind(StrEnum):
    conference = "conference"  # 研讨会/交流会/对接会
    lecture = "lecture"  # 专家报告会
    visit = "visit"  # 考察交流
    training = "training"  # 培训
    competition = "competition"  # 技能竞赛
    signing = "signing"  # 签约仪式
    other = "other"


KIND_LABELS = {
    "conference": "研讨会",
    "lecture": "专家报告会",
    "visit": "考察交流",
    "training": "培训",
    "competition": "技能竞赛",
    "signing": "签约仪式",
    "other": "其他活动",
}


class Activity(Base, table=True):
    __tablename__ = "activities"
    __table_args__ = (
        sa.CheckConstraint("kind in ({})".format(", ".join(repr(k.value) for k in ActivityKind)), name="kind"),
        sa.CheckConstraint("end_on is null or end_on >= held_on", name="period"),
        sa.CheckConstraint("headcount is null or headcount >= 0", name="headcount"),
        sa.Index("ix_activities_alliance_held", "alliance_id", "held_on", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    held_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    place: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    host_org_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=True)
    )
    co_organizer_org_ids: list[uuid.UUID] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.Uuid), nullable=False, server_default="{}")
    )
    participant_org_ids: list[uuid.UUID] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.Uuid), nullable=False, server_default="{}")
    )
    headcount: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
