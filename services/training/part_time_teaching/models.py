"""Part-time teaching 兼职授课 — the table."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from services.training.db import Base

TERM_PATTERN = r"^[0-9]{4}-[0-9]{4}-[12]$"


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
