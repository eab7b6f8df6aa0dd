"""Enrolment 报名/参训 — learner × programme — the table.

At most one enrolment per (learner, programme) that is not dropped (partial unique index); a dropped one
frees its seat and the learner may enrol again (a new enrolment). Status changes go through the
transitions route and are dated (`status_changed_on`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from chanjiao.transitions import StateMachine
from services.training.db import Base


class EnrolmentStatus(StrEnum):
    enrolled = "enrolled"  # 在读/参训
    completed = "completed"  # 结业
    dropped = "dropped"  # 退出
    failed = "failed"  # 未通过


STATUS_LABELS = {"enrolled": "参训", "completed": "结业", "dropped": "退出", "failed": "未通过"}

LIFECYCLE = StateMachine(
    "enrolment",
    {"enrolled": frozenset({"completed", "dropped", "failed"})},
)

# The enrolments that hold a seat (and that the one-per-learner-and-programme rule counts).
SEATED_SQL = "status <> 'dropped' and deleted_at is null"


class Enrolment(Base, table=True):
    __tablename__ = "enrolments"
    __table_args__ = (
        sa.CheckConstraint("status in ('enrolled', 'completed', 'dropped', 'failed')", name="status"),
        sa.CheckConstraint("days_attended is null or days_attended >= 0", name="days_attended"),
        sa.CheckConstraint("hours_attended is null or hours_attended >= 0", name="hours_attended"),
        sa.CheckConstraint("score is null or (score >= 0 and score <= 100)", name="score"),
        sa.Index(
            "uq_enrolments_seated", "learner_id", "programme_id", unique=True, postgresql_where=sa.text(SEATED_SQL)
        ),
        sa.Index("ix_enrolments_programme_id", "programme_id", "id"),
        sa.Index("ix_enrolments_learner_id", "learner_id", "id"),
        sa.Index("ix_enrolments_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    # References to learners and programmes, enforced by triggers checked once per statement, not by foreign keys
    # (migration e5a7c9e1f3b5): both are never deleted, and these two columns never change.
    learner_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    programme_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    enrolled_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    status_changed_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    status_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    days_attended: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(7, 1), nullable=True))
    hours_attended: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(8, 1), nullable=True))
    score: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(5, 2), nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
