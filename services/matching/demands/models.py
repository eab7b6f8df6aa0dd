"""Demand 需求 — an enterprise's order class, apprenticeship, internship, employment, training, R&D or co-built
base request on the matching market — and its dated status history (docs/matching-core.md).

A demand is never deleted: it ends by a transition (closed, cancelled). The `status` and `status_changed_on`
columns are the latest event of `demand_transitions`, written in the same transaction that appends it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field

from services.matching.db import Base
from services.matching.postings import checks, event_checks, lifecycle


class DemandKind(StrEnum):
    order_class = "order_class"  # 订单班
    apprenticeship = "apprenticeship"  # 现代学徒制 / 企业新型学徒制
    internship = "internship"  # 实习岗位
    employment = "employment"  # 招聘（毕业生就业）
    training = "training"  # 员工培训
    rnd = "rnd"  # 技术研发 / 技术服务
    co_built_base = "co_built_base"  # 共建实训基地 / 产业学院


KIND_LABELS = {
    "order_class": "订单班",
    "apprenticeship": "学徒制",
    "internship": "实习岗位",
    "employment": "招聘",
    "training": "员工培训",
    "rnd": "技术研发",
    "co_built_base": "共建基地",
}

LIFECYCLE = lifecycle("demand")


class Demand(Base, table=True):
    __tablename__ = "demands"
    __table_args__ = (
        *checks(DemandKind),
        sa.CheckConstraint("headcount >= 1", name="headcount"),
        sa.Index("ix_demands_org_id", "org_id", "id"),
        sa.Index("ix_demands_alliance_id", "alliance_id", "id"),
        sa.Index("ix_demands_status_kind", "status", "kind"),
        sa.Index("ix_demands_region_code", "region_code", postgresql_ops={"region_code": "text_pattern_ops"}),
        sa.Index("ix_demands_major_codes", "major_codes", postgresql_using="gin"),
        sa.Index("ix_demands_occupation_codes", "occupation_codes", postgresql_using="gin"),
        sa.Index("ix_demands_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    # The enterprise that posts it (a membership organization; plain uuid: no cross-service foreign key).
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    description: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    occupation_codes: list[str] = Field(sa_column=sa.Column(ARRAY(sa.Text), nullable=False, server_default="{}"))
    major_codes: list[str] = Field(sa_column=sa.Column(ARRAY(sa.Text), nullable=False, server_default="{}"))
    education_level: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    headcount: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    region_code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    period_start: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    period_end: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    # [{kind, occupation_code?, level?}] — kinds of services/matching/postings.py PreferredCertificateKind.
    preferred_certificates: list[dict[str, Any]] = Field(
        sa_column=sa.Column(JSONB, nullable=False, server_default="[]")
    )
    deadline_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    # The alliance it is posted in (a membership alliance; plain uuid).
    alliance_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status_changed_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class DemandTransition(Base, table=True):
    """One status change of a demand, kept forever: {from, to, effective_on, reason, actor}."""

    __tablename__ = "demand_transitions"
    __table_args__ = (
        *event_checks(),
        sa.UniqueConstraint("demand_id", "seq"),
    )

    id: uuid.UUID = Field(primary_key=True)
    demand_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("demands.id"), nullable=False))
    seq: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    from_status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    to_status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    effective_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    actor: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    recorded_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
