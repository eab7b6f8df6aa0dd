"""Allocation run — one `POST /v1/allocations`: its scope, parameters, progress and stored result — and the
assignments it gave (docs/matching-fairs-allocations.md).

`result` holds the canonical JSON bytes of the solver's answer (services/matching/allocation/result.py,
`result_json`): the same input gives the same bytes. `assignments` repeats its pairs as rows, to be joined and
counted in SQL."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.matching.db import Base


class AllocationStatus(StrEnum):
    queued = "queued"  # 排队中
    running = "running"  # 计算中
    done = "done"  # 已完成
    failed = "failed"  # 失败


class Allocation(Base, table=True):
    __tablename__ = "allocations"
    __table_args__ = (
        sa.CheckConstraint("status in ('queued', 'running', 'done', 'failed')", name="status"),
        sa.CheckConstraint("scope_kind in ('fair', 'alliance', 'region', 'ids')", name="scope_kind"),
        sa.CheckConstraint("status <> 'done' or result is not null", name="done_result"),
        sa.Index("ix_allocations_owner_org_id", "owner_org_id", "id"),
        sa.Index("ix_allocations_alliance_id", "alliance_id", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    scope_kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # The request's scope and parameters as given: {fair_id} | {alliance_id} | {region_code} | {demand_ids, offer_ids}.
    scope: dict[str, Any] = Field(sa_column=sa.Column(JSONB, nullable=False))
    top_k: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    min_points: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    # Who may read it besides platform admins: the organization that asked for an explicit-ids run, the alliance of
    # an alliance (or a fair's) run, the organizer of a fair.
    owner_org_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    alliance_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    phase: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    pairs_total: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    pairs_scored: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    demands: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    offers: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    objective: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    greedy_objective: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    result: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    actor: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


class AllocationAssignment(Base, table=True):
    __tablename__ = "allocation_assignments"
    __table_args__ = (
        sa.CheckConstraint("count >= 1", name="count"),
        sa.CheckConstraint("points between 0 and 1000", name="points"),
    )

    allocation_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("allocations.id"), primary_key=True))
    demand_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("demands.id"), primary_key=True))
    offer_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("offers.id"), primary_key=True))
    count: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    points: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
