"""Meetings 会议 of an alliance's bodies — the alliance itself or one of its committees — with their roll
(attendees present, absent or by proxy), the quorum rule and whether it was met, the agenda and the numbered
resolutions with their votes (docs/domain.md, "Governance")."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.membership.db import Base


class MeetingKind(StrEnum):
    general_assembly = "general_assembly"  # 全体会员大会
    council = "council"  # 理事会
    standing_council = "standing_council"  # 常务理事会
    committee = "committee"  # 专委会会议 (工作委员会, 专指委)
    secretariat = "secretariat"  # 秘书处工作会议
    other = "other"


KIND_LABELS = {
    "general_assembly": "全体会员大会",
    "council": "理事会",
    "standing_council": "常务理事会",
    "committee": "专委会会议",
    "secretariat": "秘书处工作会议",
    "other": "其他会议",
}


class QuorumRule(StrEnum):
    more_than_half = "more_than_half"  # 过半数出席
    two_thirds = "two_thirds"  # 三分之二以上出席
    none = "none"  # 不设法定人数


QUORUM_LABELS = {"more_than_half": "过半数出席", "two_thirds": "三分之二以上出席", "none": "不设法定人数"}


class Attendance(StrEnum):
    present = "present"  # 出席
    proxy = "proxy"  # 委托出席
    absent = "absent"  # 缺席


ATTENDANCE_LABELS = {"present": "出席", "proxy": "委托出席", "absent": "缺席"}


class QuorumBase(StrEnum):
    stated = "stated"  # the meeting says how many seats the body has
    seats = "seats"  # the committee's seats held on the meeting day
    roll = "roll"  # the organizations on the meeting's roll


def _check(column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} in ({', '.join(repr(v.value) for v in enum)})", name=column)


class Meeting(Base, table=True):
    __tablename__ = "meetings"
    __table_args__ = (
        _check("kind", MeetingKind),
        _check("quorum_rule", QuorumRule),
        _check("quorum_base_source", QuorumBase),
        sa.Index("ix_meetings_alliance_held", "alliance_id", "held_on", "id"),
        sa.Index("ix_meetings_committee", "committee_id", "held_on"),
    )

    id: uuid.UUID = Field(primary_key=True)
    alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=False))
    committee_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("committees.id"), nullable=True)
    )
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    held_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    place: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    quorum_rule: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    seats: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    quorum_base: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    quorum_base_source: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    present_count: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    quorum_met: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    attendees: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(JSONB, nullable=False, server_default="[]")
    )
    agenda: list[str] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False, server_default="[]"))
    resolutions: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(JSONB, nullable=False, server_default="[]")
    )
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
