"""Alliance 联盟/集团/共同体 — the table."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import column_property
from sqlmodel import Field

from services.membership.db import Base
from services.membership.designations.models import listed_json


class AllianceKind(StrEnum):
    vocational_education_group = "vocational_education_group"  # 职业教育集团
    technical_education_alliance = "technical_education_alliance"  # 技工教育联盟(集团)
    industry_community = "industry_community"  # 行业产教融合共同体
    city_consortium = "city_consortium"  # 市域产教联合体
    other = "other"


KIND_LABELS = {
    "vocational_education_group": "职业教育集团",
    "technical_education_alliance": "技工教育联盟(集团)",
    "industry_community": "行业产教融合共同体",
    "city_consortium": "市域产教联合体",
    "other": "其他",
}


class AllianceLevel(StrEnum):
    national = "national"  # 国家级
    provincial = "provincial"  # 省级
    municipal = "municipal"  # 市级


def _check(column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} in ({', '.join(repr(v.value) for v in enum)})", name=column)


class Alliance(Base, table=True):
    __tablename__ = "alliances"
    __table_args__ = (
        _check("kind", AllianceKind),
        _check("level", AllianceLevel),
        sa.Index("uq_alliances_name", "name", unique=True, postgresql_where=sa.text("deleted_at is null")),
        sa.Index("ix_alliances_kind", "kind", "id"),
        sa.Index("ix_alliances_region_code", "region_code", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    level: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    founded_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    region_code: str | None = Field(default=None, sa_column=sa.Column(sa.String(6), nullable=True))
    guiding_body: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    lead_org_ids: list[uuid.UUID] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.Uuid), nullable=False, server_default="{}")
    )
    charter: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    membership_rules: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    industry_focus: list[str] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.Text), nullable=False, server_default="{}")
    )
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


# ---- recognitions: the alliance's held entries in the designation register (services/membership/designations/) ----
# `[{title, level, year, issuer}]`, read with the row; written through `service.write_recognitions`.
Alliance.__mapper__.add_property(
    "recognitions", column_property(listed_json("alliance", Alliance.__table__.c.id), expire_on_flush=False)
)
