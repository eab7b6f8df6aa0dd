"""Shortage occupation 急需紧缺职业 — an occupation code an alliance's admins flag for a period. A demand posted in
that alliance naming the occupation (or an occupation under a flagged group code) during the period gets the
shortage boost of the ranking (services/matching/ranking/facts.py, docs/matching-ranking-routes.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from services.matching.db import Base


class ShortageOccupation(Base, table=True):
    __tablename__ = "shortage_occupations"
    __table_args__ = (
        sa.CheckConstraint("period_end >= period_start", name="period"),
        sa.Index("ix_shortage_occupations_alliance", "alliance_id", "occupation_code"),
    )

    id: uuid.UUID = Field(primary_key=True)
    # A membership alliance (plain uuid: no cross-service foreign key).
    alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    occupation_code: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    period_start: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    period_end: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
