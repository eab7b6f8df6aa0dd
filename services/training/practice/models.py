"""Teacher enterprise practice 教师企业实践 and part-time teaching 兼职授课 — the tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from services.training.db import Base

TERM_PATTERN = r"^[0-9]{4}-[0-9]{4}-[12]$"


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


class PartTimeTeaching(Base, table=True):
    __tablename__ = "part_time_teaching"
    __table_args__ = (
        sa.CheckConstraint(f"term ~ '{TERM_PATTERN}'", name="term"),
        sa.CheckConstraint("term_end_on >= term_start_on", name="term_period"),
        sa.CheckConstraint("class_hours > 0", name="class_hours"),
        sa.Index("ix_part_time_teaching_enterprise_org_id", "enterprise_org_id", "id"),
        sa.Index("ix_part_time_teaching_school_org_id", "school_org_id", "id"),
        sa.Index("ix_part_time_teaching_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    staff_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # A person of the membership service (plain uuid: no cross-service foreign key).
    person_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    enterprise_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    school_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    term: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    term_start_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    term_end_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    course: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    class_hours: Decimal = Field(sa_column=sa.Column(sa.Numeric(8, 1), nullable=False))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
