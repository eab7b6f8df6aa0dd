"""Organization 单位 — the table."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.membership.db import Base


class OrgType(StrEnum):
    government = "government"  # 政府部门
    enterprise = "enterprise"  # 企业
    undergraduate = "undergraduate"  # 本科院校
    higher_vocational = "higher_vocational"  # 高职院校(含职业本科)
    secondary_vocational = "secondary_vocational"  # 中职学校
    technician_college = "technician_college"  # 技师学院/技工学校
    industry_association = "industry_association"  # 行业协会/学会
    research_institute = "research_institute"  # 科研院所
    training_company = "training_company"  # 教育培训型企业
    other = "other"


ORG_TYPE_LABELS = {
    "government": "政府部门",
    "enterprise": "企业",
    "undergraduate": "本科院校",
    "higher_vocational": "高职院校(含职业本科)",
    "secondary_vocational": "中职学校",
    "technician_college": "技师学院/技工学校",
    "industry_association": "行业协会/学会",
    "research_institute": "科研院所",
    "training_company": "教育培训型企业",
    "other": "其他",
}


class OrgStatus(StrEnum):
    active = "active"
    inactive = "inactive"


def _enum_check(column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    values = ", ".join(f"'{v.value}'" for v in enum)
    return sa.CheckConstraint(f"{column} in ({values})", name=column)


class Organization(Base, table=True):
    __tablename__ = "organizations"
    __table_args__ = (
        _enum_check("org_type", OrgType),
        _enum_check("status", OrgStatus),
        sa.Index(
            "uq_organizations_credit_code",
            "credit_code",
            unique=True,
            postgresql_where=sa.text("deleted_at is null and credit_code is not null"),
        ),
        sa.Index(
            "uq_organizations_name_region",
            "name",
            "region_code",
            unique=True,
            postgresql_where=sa.text("deleted_at is null and credit_code is null"),
        ),
        sa.Index("ix_organizations_name_bigrams", "name_bigrams", postgresql_using="gin"),
        sa.Index("ix_organizations_region_code", "region_code", "id"),
        sa.Index("ix_organizations_org_type", "org_type", "id"),
        sa.Index("ix_organizations_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # Overlapping two-character pieces of the name, GIN-indexed: finds any 2+ Chinese characters
    # (trigram indexes see nothing in CJK text under the C locale).
    name_bigrams: list[str] = Field(sa_column=sa.Column(ARRAY(sa.Text), nullable=False))
    org_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    region_code: str = Field(sa_column=sa.Column(sa.String(6), nullable=False))
    credit_code: str | None = Field(default=None, sa_column=sa.Column(sa.String(18), nullable=True))
    industry_codes: list[str] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.Text), nullable=False, server_default="{}")
    )
    status: str = Field(default="active", sa_column=sa.Column(sa.Text, nullable=False, server_default="active"))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
