"""Offer 供给 — what a school puts on the matching market: graduates, interns, training capacity, R&D expertise or
base capacity — and its dated status history (docs/matching-core.md).

An offer is never deleted: it ends by a transition (closed, cancelled). The `status` and `status_changed_on`
columns are the latest event of `offer_transitions`, written in the same transaction that appends it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.matching.db import Base
from services.matching.postings import checks, event_checks, lifecycle


class OfferKind(StrEnum):
    graduates = "graduates"  # 毕业生（就业推荐）
    interns = "interns"  # 实习生
    training_capacity = "training_capacity"  # 培训能力（社会培训、员工培训）
    rnd_expertise = "rnd_expertise"  # 技术研发与服务能力
    base_capacity = "base_capacity"  # 实训基地容量


KIND_LABELS = {
    "graduates": "毕业生",
    "interns": "实习生",
    "training_capacity": "培训能力",
    "rnd_expertise": "研发能力",
    "base_capacity": "基地容量",
}

LIFECYCLE = lifecycle("offer")


class Offer(Base, table=True):
    __tablename__ = "offers"
    __table_args__ = (
        *checks(OfferKind),
        sa.CheckConstraint("count >= 1", name="count"),
        sa.CheckConstraint("cohort_year is null or cohort_year between 1949 and 2100", name="cohort_year"),
        sa.Index("ix_offers_org_id", "org_id", "id"),
        sa.Index("ix_offers_alliance_id", "alliance_id", "id"),
        sa.Index("ix_offers_status_kind", "status", "kind"),
        sa.Index("ix_offers_region_code", "region_code", postgresql_ops={"region_code": "text_pattern_ops"}),
        sa.Index("ix_offers_major_codes", "major_codes", postgresql_using="gin"),
        sa.Index("ix_offers_occupation_codes", "occupation_codes", postgresql_using="gin"),
        sa.Index("ix_offers_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    # The school that posts it (a membership organization; plain uuid: no cross-service foreign key).
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    description: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    major_codes: list[str] = Field(sa_column=sa.Column(ARRAY(sa.Text), nullable=False, server_default="{}"))
    occupation_codes: list[str] = Field(sa_column=sa.Column(ARRAY(sa.Text), nullable=False, server_default="{}"))
    # The graduating year of the cohort offered (届), e.g. 2027.
    cohort_year: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    count: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    education_level: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    region_code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    period_start: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    period_end: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    # The alliance it is posted in (a membership alliance; plain uuid).
    alliance_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status_changed_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class OfferTransition(Base, table=True):
    """One status change of an offer, kept forever: {from, to, effective_on, reason, actor}."""

    __tablename__ = "offer_transitions"
    __table_args__ = (
        *event_checks(),
        sa.UniqueConstraint("offer_id", "seq"),
    )

    id: uuid.UUID = Field(primary_key=True)
    offer_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("offers.id"), nullable=False))
    seq: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    from_status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    to_status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    effective_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    actor: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    recorded_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
