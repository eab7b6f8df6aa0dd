"""Outside experts 外聘专家 of an alliance's expert pool: experts the alliance engages who are not people of a
member organization (name, affiliation as text, title, field)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from services.membership.db import Base


class OutsideExpert(Base, table=True):
    __tablename__ = "outside_experts"
    __table_args__ = (
        sa.CheckConstraint("ended_on is null or engaged_on is null or ended_on >= engaged_on", name="period"),
        sa.Index("ix_outside_experts_alliance", "alliance_id", "name", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=False))
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    affiliation: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    title: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    field: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    engaged_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    ended_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
