"""Skill appraisal batches 技能鉴定批次 — the tables: the batch and its candidates. A batch is recorded once its
results are known, in one transaction with the certificates of its passing candidates; nothing here is ever changed
or deleted afterwards (a certificate is suspended or revoked on its own)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from services.training.db import Base


class Appraisal(Base, table=True):
    __tablename__ = "appraisals"
    __table_args__ = (
        sa.CheckConstraint("certificate_kind in ('skill_level', 'skill_level_1x')", name="certificate_kind"),
        sa.CheckConstraint("passed >= 0 and failed >= 0 and absent >= 0", name="counts"),
        sa.Index("ix_appraisals_org_id", "org_id", "appraised_on"),
        sa.Index("ix_appraisals_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    # The appraising organization (a school, an enterprise appraising its own staff, an evaluation organization):
    # it holds the candidates' learner records and issues the certificates.
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    certificate_kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    occupation_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    occupation_code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    level: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    appraised_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    programme_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.programmes.id"), nullable=True)
    )
    # The candidates by result, kept with the batch so the figures (鉴定人次 = passed + failed; absent candidates
    # did not sit) are sums over batches.
    passed: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    failed: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    absent: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class AppraisalCandidate(Base, table=True):
    __tablename__ = "appraisal_candidates"
    __table_args__ = (
        sa.CheckConstraint("result in ('pass', 'fail', 'absent')", name="result"),
        sa.CheckConstraint("(result = 'pass') = (certificate_id is not null)", name="certificate"),
        sa.CheckConstraint("result <> 'absent' or score is null", name="absent_score"),
        sa.CheckConstraint("score is null or (score >= 0 and score <= 100)", name="score"),
        sa.UniqueConstraint("appraisal_id", "learner_id", name="uq_appraisal_candidates_learner"),
        sa.Index("ix_appraisal_candidates_learner_id", "learner_id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    appraisal_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.appraisals.id"), nullable=False)
    )
    # The candidate's place in the batch as sent (0-based), so the batch reads back in its own order.
    position: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    learner_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.learners.id"), nullable=False))
    result: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    score: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(5, 2), nullable=True))
    certificate_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.certificates.id"), nullable=True)
    )
