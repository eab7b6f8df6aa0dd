"""Internship 实习实训 — the table. `three_months_or_more` is derived (internships/months.py) and stored, so the
figures count it in SQL. `learner_name` and `learner_id_number_masked` are read with every row (subqueries on the
school's learner record) for the `learner` summary the host sees."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import column_property
from sqlmodel import Field

from services.training.db import Base
from services.training.learners.models import Learner


class InternshipKind(StrEnum):
    cognitive = "cognitive"  # 认识实习
    shadow = "shadow"  # 跟岗实习
    post = "post"  # 岗位实习 (liability insurance required)


KIND_LABELS = {"cognitive": "认识实习", "shadow": "跟岗实习", "post": "岗位实习"}
# The Chinese names an imported row may give for the kind: the labels, and 顶岗实习 — the older name of 岗位实习,
# which the documents of many schools still use.
KIND_ALIASES = {**{label: kind for kind, label in KIND_LABELS.items()}, "顶岗实习": "post"}


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in enum)


class Internship(Base, table=True):
    __tablename__ = "internships"
    __table_args__ = (
        sa.CheckConstraint(f"kind in ({_values(InternshipKind)})", name="kind"),
        sa.CheckConstraint("end_on >= start_on", name="period"),
        sa.CheckConstraint("stipend_monthly_cny is null or stipend_monthly_cny >= 0", name="stipend"),
        sa.CheckConstraint("kind <> 'post' or (insured and insurance_policy_no is not null)", name="post_insured"),
        sa.Index("ix_internships_school_org_id", "school_org_id", "id"),
        sa.Index("ix_internships_host_org_id", "host_org_id", "id"),
        sa.Index("ix_internships_learner_id", "learner_id"),
        sa.Index("ix_internships_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    learner_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.learners.id"), nullable=False))
    school_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    host_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    start_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    position: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    mentor_name: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # A person of the membership service (plain uuid: no cross-service foreign key).
    mentor_person_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    insured: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default="false"))
    insurance_policy_no: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    stipend_monthly_cny: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(12, 2), nullable=True))
    three_months_or_more: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


def _of_learner(column: sa.Column) -> sa.ScalarSelect:
    return (
        sa.select(column)
        .where(Learner.__table__.c.id == Internship.__table__.c.learner_id)
        .correlate_except(Learner)
        .scalar_subquery()
    )


# Read-only, loaded with the row; the learner of an internship never changes, so a flush need not expire them.
Internship.__mapper__.add_property(
    "learner_name", column_property(_of_learner(Learner.__table__.c.name), expire_on_flush=False)
)
Internship.__mapper__.add_property(
    "learner_id_number_masked",
    column_property(_of_learner(Learner.__table__.c.id_number_masked), expire_on_flush=False),
)
