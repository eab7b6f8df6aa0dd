"""An alliance's override of the ranking weights (services/matching/scoring/weights.py): the components it names;
the others are re-scaled from the defaults by `Weights.merge`. One row per alliance; no row means the defaults."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.matching.db import Base


class AllianceWeights(Base, table=True):
    __tablename__ = "alliance_weights"

    # The alliance's id (a membership alliance, plain uuid) is the row's id.
    id: uuid.UUID = Field(primary_key=True)
    override: dict[str, Any] = Field(sa_column=sa.Column(JSONB, nullable=False))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
