"""Fair 供需对接会 / 双选会 — an event where enterprises' demands and schools' offers are registered to meet — and its
registrations (docs/matching-fairs-allocations.md). Both tables sync by a trigger-written `txid` (chanjiao/sync.py).

A fair is planned → open → closed (planned → closed when it is called off). A registration names one demand or one
offer (never both); it is withdrawn, not deleted (`withdrawn_at`), and a posting is registered at most once at a
time (partial unique indexes)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from chanjiao.transitions import StateMachine
from services.matching.db import Base


class FairStatus(StrEnum):
    planned = "planned"  # 筹备中
    open = "open"  # 进行中
    closed = "closed"  # 已结束


STATUS_LABELS = {"planned": "筹备中", "open": "进行中", "closed": "已结束"}

LIFECYCLE = StateMachine(
    "fair",
    {
        "planned": frozenset({"open", "closed"}),
        "open": frozenset({"closed"}),
    },
)


class Fair(Base, table=True):
    __tablename__ = "fairs"
    __table_args__ = (
        sa.CheckConstraint("status in ('planned', 'open', 'closed')", name="status"),
        sa.CheckConstraint("period_end is null or period_end >= held_on", name="period"),
        sa.Index("ix_fairs_alliance_id", "alliance_id", "id"),
        sa.Index("ix_fairs_organizer_org_id", "organizer_org_id", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    # The organizing organization and, when the fair is an alliance's, the alliance (membership ids, plain uuids).
    organizer_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    alliance_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    held_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    period_end: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    region_code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class FairRegistration(Base, table=True):
    __tablename__ = "fair_registrations"
    __table_args__ = (
        sa.CheckConstraint("(demand_id is null) <> (offer_id is null)", name="one_posting"),
        sa.Index(
            "uq_fair_registrations_demand",
            "fair_id",
            "demand_id",
            unique=True,
            postgresql_where=sa.text("demand_id is not null and withdrawn_at is null"),
        ),
        sa.Index(
            "uq_fair_registrations_offer",
            "fair_id",
            "offer_id",
            unique=True,
            postgresql_where=sa.text("offer_id is not null and withdrawn_at is null"),
        ),
        sa.Index("ix_fair_registrations_fair_id", "fair_id", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    fair_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("fairs.id"), nullable=False))
    demand_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("demands.id"), nullable=True)
    )
    offer_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("offers.id"), nullable=True)
    )
    # The posting's organization, copied at registration (a posting never changes owner).
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    actor: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    registered_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
    # The registration's last change (its registration or its withdrawal), for `updated_since`.
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
