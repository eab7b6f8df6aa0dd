"""Programme 培训项目/班 — the table. `enrolled_count` is the live number of seats taken (enrolments that
are not dropped); it is changed only by conditional UPDATEs in the enrolment transaction, so capacity is a
hard limit under concurrency (services/training/enrolments/service.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.training.db import Base


class ProgrammeKind(StrEnum):
    pre_job = "pre_job"
    on_job = "on_job"
    upskilling = "upskilling"
    reskilling = "reskilling"
    special_operations = "special_operations"
    continuing_education = "continuing_education"
    order_class = "order_class"
    modern_apprenticeship = "modern_apprenticeship"
    enterprise_apprenticeship = "enterprise_apprenticeship"
    teacher_training = "teacher_training"
    social_training = "social_training"
    other = "other"


KIND_LABELS = {
    "pre_job": "岗前/入职培训",
    "on_job": "在岗培训",
    "upskilling": "技能提升培训",
    "reskilling": "转岗培训",
    "special_operations": "特种作业培训",
    "continuing_education": "继续教育",
    "order_class": "订单班",
    "modern_apprenticeship": "现代学徒制班",
    "enterprise_apprenticeship": "企业新型学徒制班",
    "teacher_training": "师资/双师培训",
    "social_training": "社会培训",
    "other": "其他",
}


class Delivery(StrEnum):
    online = "online"
    offline = "offline"
    blended = "blended"


DELIVERY_LABELS = {"online": "线上", "offline": "线下", "blended": "线上线下混合"}


def _enum_check(column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    values = ", ".join(f"'{v.value}'" for v in enum)
    return sa.CheckConstraint(f"{column} in ({values})", name=column)


class Programme(Base, table=True):
    __tablename__ = "programmes"
    __table_args__ = (
        _enum_check("kind", ProgrammeKind),
        _enum_check("delivery", Delivery),
        sa.CheckConstraint("end_on >= start_on", name="period"),
        sa.CheckConstraint("capacity is null or capacity >= 1", name="capacity"),
        sa.CheckConstraint(
            "enrolled_count >= 0 and (capacity is null or enrolled_count <= capacity)", name="enrolled_count"
        ),
        sa.CheckConstraint("planned_hours is null or planned_hours >= 0", name="planned_hours"),
        sa.Index("ix_programmes_provider_org_id", "provider_org_id", "id"),
        sa.Index("ix_programmes_alliance_id", "alliance_id", "end_on"),
        sa.Index("ix_programmes_end_on", "end_on"),
        sa.Index("ix_programmes_partner_org_ids", "partner_org_ids", postgresql_using="gin"),
        sa.Index("ix_programmes_training_base_id", "training_base_id"),
        sa.Index("ix_programmes_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    provider_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    alliance_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    partner_org_ids: list[uuid.UUID] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.Uuid), nullable=False, server_default="{}")
    )
    occupation_code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    major_code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # A training base (services/training/bases/models.py); the foreign key is added by migration c3e5a7b9d1f3.
    training_base_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    start_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    planned_hours: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(8, 1), nullable=True))
    capacity: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    delivery: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    enrolled_count: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0"))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
