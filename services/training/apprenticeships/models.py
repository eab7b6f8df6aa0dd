"""Apprenticeship 现代学徒制学徒 — the table. `learner_name` is read with every row (a subquery on the school's
learner record), so an erased learner shows its erased name and nothing of the apprentice is copied here."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import column_property
from sqlmodel import Field

from services.training.db import Base
from services.training.learners.models import Learner


class ContractKind(StrEnum):
    tripartite = "tripartite"  # 三方协议（学校、企业、学生）
    labour = "labour"  # 劳动合同
    apprenticeship = "apprenticeship"  # 学徒合同


CONTRACT_KIND_LABELS = {"tripartite": "三方协议", "labour": "劳动合同", "apprenticeship": "学徒合同"}


class ContractParty(StrEnum):
    school = "school"  # 学校
    enterprise = "enterprise"  # 企业
    apprentice = "apprentice"  # 学徒（学生）本人
    guardian = "guardian"  # 监护人


CONTRACT_PARTY_LABELS = {"school": "学校", "enterprise": "企业", "apprentice": "学徒本人", "guardian": "监护人"}

# The parties a contract of each kind must name (more may sign: a guardian for a minor, the school of a labour
# contract that it witnesses).
REQUIRED_PARTIES: dict[str, frozenset[str]] = {
    "tripartite": frozenset({"school", "enterprise", "apprentice"}),
    "labour": frozenset({"enterprise", "apprentice"}),
    "apprenticeship": frozenset({"enterprise", "apprentice"}),
}


class ApprenticeshipStatus(StrEnum):
    active = "active"  # 在培
    completed = "completed"  # 已出师（结业）
    ended_early = "ended_early"  # 提前终止


STATUS_LABELS = {"active": "在培", "completed": "已出师", "ended_early": "提前终止"}


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in enum)


class Apprenticeship(Base, table=True):
    __tablename__ = "apprenticeships"
    __table_args__ = (
        sa.CheckConstraint(f"status in ({_values(ApprenticeshipStatus)})", name="status"),
        sa.CheckConstraint(f"contract_kind is null or contract_kind in ({_values(ContractKind)})", name="contract"),
        sa.CheckConstraint("(contract_kind is null) = (contract_signed_on is null)", name="contract_signed"),
        sa.CheckConstraint("(status = 'active') = (ended_on is null)", name="ended"),
        sa.CheckConstraint("ended_on is null or ended_on >= start_on", name="period"),
        sa.Index("ix_apprenticeships_school_org_id", "school_org_id", "id"),
        sa.Index("ix_apprenticeships_enterprise_org_id", "enterprise_org_id", "id"),
        sa.Index("ix_apprenticeships_programme_id", "programme_id"),
        sa.Index("ix_apprenticeships_learner_id", "learner_id"),
        sa.Index("ix_apprenticeships_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    learner_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.learners.id"), nullable=False))
    school_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    enterprise_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    programme_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.programmes.id"), nullable=False)
    )
    # The mentors: membership people (plain uuids: no cross-service foreign key) of the school and of the
    # enterprise, with the names they had when recorded.
    school_mentor_person_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    school_mentor_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    enterprise_mentor_person_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    enterprise_mentor_name: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    start_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    recruited_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    contract_kind: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    contract_number: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    contract_signed_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    contract_parties: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
    )
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    ended_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    end_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


# Read-only, loaded with the row; the learner of an apprenticeship never changes.
Apprenticeship.__mapper__.add_property(
    "learner_name",
    column_property(
        sa.select(Learner.__table__.c.name)
        .where(Learner.__table__.c.id == Apprenticeship.__table__.c.learner_id)
        .correlate_except(Learner)
        .scalar_subquery(),
        expire_on_flush=False,
    ),
)
