"""Posts that require a certificate 持证岗位 — the tables: the post, and who holds it when (its holders' history)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from services.training.certificates.rules import CertificateKind
from services.training.db import Base


def _values(enum: Any) -> str:
    return ", ".join(f"'{v.value}'" for v in enum)


class CertifiedPost(Base, table=True):
    """A post of an organization (an enterprise or a school) whose holders must hold a certificate of a kind — and,
    when named, of an occupation and at least a level (持证上岗)."""

    __tablename__ = "certified_posts"
    __table_args__ = (
        sa.CheckConstraint(f"required_kind in ({_values(CertificateKind)})", name="required_kind"),
        sa.CheckConstraint("headcount is null or headcount >= 1", name="headcount"),
        sa.Index("ix_certified_posts_org_id", "org_id", "id"),
        sa.Index("ix_certified_posts_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    # The organization whose post it is: only its principals write and read it.
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # The certificate the post requires (services/training/certificates/rules.py `CertificateKind`).
    required_kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    occupation_name: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    occupation_code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # The lowest level that satisfies the post, one of the kind's levels (a higher one satisfies it too).
    min_level: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # Planned positions 定岗人数 (informative: compliance is measured against the actual holders).
    headcount: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


class CertifiedPostHolder(Base, table=True):
    """One holding of a post by one holder, from `since` until the day before `until` (an open one has no `until`).
    Ending a holding sets `until`; the row is kept: the post's history."""

    __tablename__ = "certified_post_holders"
    __table_args__ = (
        sa.CheckConstraint("num_nonnulls(person_id, learner_id) = 1", name="holder"),
        sa.CheckConstraint("person_id is null or holder_name is not null", name="holder_name"),
        sa.CheckConstraint("until is null or until >= since", name="period"),
        # One open holding per holder and post (the service also refuses overlapping periods).
        sa.Index(
            "uq_certified_post_holders_open_person",
            "post_id",
            "person_id",
            unique=True,
            postgresql_where=sa.text("until is null and person_id is not null"),
        ),
        sa.Index(
            "uq_certified_post_holders_open_learner",
            "post_id",
            "learner_id",
            unique=True,
            postgresql_where=sa.text("until is null and learner_id is not null"),
        ),
        sa.Index("ix_certified_post_holders_post_id", "post_id", "since"),
        sa.Index("ix_certified_post_holders_org_id", "org_id"),
        sa.Index("ix_certified_post_holders_learner_id", "learner_id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    post_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.certified_posts.id"), nullable=False)
    )
    # The post's organization (the holder is its person or its learner record).
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    # A membership person of the organization (plain uuid: no cross-service key), with its name when added …
    person_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    holder_name: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # … or a learner record the organization owns (an employee learner); its name is read from the record, so an
    # erasure of the record leaves no copy of the name here.
    learner_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.learners.id"), nullable=True)
    )
    # The first day the holder holds the post, and the first day it no longer does (null: still holds it).
    since: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    until: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
