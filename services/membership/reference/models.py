"""Reference codes (regions, majors, occupations, industries): shipped rows plus admin overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.membership.db import Base

KINDS = ("regions", "majors", "occupations", "industries")


class ReferenceCode(Base, table=True):
    __tablename__ = "reference_codes"
    __table_args__ = (
        sa.CheckConstraint("kind in ('regions', 'majors', 'occupations', 'industries')", name="kind"),
        sa.CheckConstraint("source in ('shipped', 'override')", name="source"),
        sa.Index("ix_reference_codes_parent", "kind", "parent_code", "code"),
        sa.Index("ix_reference_codes_level", "kind", "level", "code"),
    )

    kind: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    code: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    level: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    parent_code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    attributes: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(JSONB, nullable=False, server_default="{}")
    )
    source: str = Field(default="shipped", sa_column=sa.Column(sa.Text, nullable=False))
    added_by: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    added_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
