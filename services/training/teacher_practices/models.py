"""Teacher enterprise practice 教师企业实践 — the table."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from services.training.db import Base


class TeacherPractice(Base, table=True):
    __tablename__ = "teacher_practices"
    __table_args__ = (
        sa.CheckConstraint("end_on >= start_on", name="period"),
        sa.CheckConstraint("num_nonnulls(person_id, learner_id) = 1", name="teacher"),
        sa.CheckConstraint("person_id IS NULL OR teacher_name IS NOT NULL", name="teacher_name"),
        sa.Index("ix_teacher_practices_school_org_id", "school_org_id", "id"),
        sa.Index("ix_teacher_practices_enterprise_org_id", "enterprise_org_id", "id"),
        sa.Index("ix_teacher_practices_learner_id", "learner_id"),
        sa.Index("ix_teacher_practices_person_id", "person_id"),
        sa.Index("ix_teacher_practices_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    # The teacher: a person of the membership service (`/v1/people/{id}`) of the school (plain uuid: no
    # cross-service foreign key), and the name it had when the practice was recorded.
    person_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    teacher_name: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # Legacy: records made while the teacher was a training learner of type 'teacher' (migration 89645a007276)
    # keep that learner here and no person_id; new records never set it. Exactly one of the two is set.
    learner_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.learners.id"), nullable=True)
    )
    school_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    enterprise_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    start_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    post: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    content: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
