"""Duties 职责 with deliverables: assigned by an alliance's body to an organization — named, or as the holder of a
seat role of a committee — with a due date, submitted by the organization and accepted or returned by the
alliance (docs/domain.md, "Governance")."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from chanjiao.transitions import StateMachine
from services.membership.db import Base


class DutyStatus(StrEnum):
    assigned = "assigned"  # 已布置
    submitted = "submitted"  # 已提交
    accepted = "accepted"  # 已验收
    returned = "returned"  # 退回修改


STATUS_LABELS = {"assigned": "已布置", "submitted": "已提交", "accepted": "已验收", "returned": "退回修改"}

LIFECYCLE = StateMachine(
    "duty",
    {
        "assigned": frozenset({"submitted"}),
        "submitted": frozenset({"accepted", "returned"}),
        "returned": frozenset({"submitted"}),
    },
)
# Moves the assignee makes; the alliance's admins make the others (accept, return).
ASSIGNEE_MOVES = frozenset({"submitted"})


class Duty(Base, table=True):
    __tablename__ = "duties"
    __table_args__ = (
        sa.CheckConstraint("status in ({})".format(", ".join(repr(s.value) for s in DutyStatus)), name="status"),
        sa.CheckConstraint("due_on >= assigned_on", name="period"),
        sa.Index("ix_duties_alliance_due", "alliance_id", "due_on", "id"),
        sa.Index("ix_duties_assignee", "assignee_org_id", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=False))
    committee_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("committees.id"), nullable=True)
    )
    seat_role: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    assignee_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False))
    title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    deliverable: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    assigned_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    due_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    submitted_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    accepted_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    submission: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    review: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
