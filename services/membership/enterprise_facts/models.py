"""An enterprise's facts of one calendar year (企业年度数据): staff, size class, ownership, cooperation money and its
产教融合 office. docs/domain.md, "Enterprise facts by year"."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from services.membership.db import Base


class SizeClass(StrEnum):
    large = "large"  # 大型
    medium = "medium"  # 中型
    small = "small"  # 小型
    micro = "micro"  # 微型


SIZE_CLASS_LABELS = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


class Ownership(StrEnum):
    state_owned = "state_owned"  # 国有（含国有控股）
    private = "private"  # 民营
    foreign = "foreign"  # 外资
    hk_macao_taiwan = "hk_macao_taiwan"  # 港澳台资
    mixed = "mixed"  # 混合所有制
    collective = "collective"  # 集体


OWNERSHIP_LABELS = {
    "state_owned": "国有",
    "private": "民营",
    "foreign": "外资",
    "hk_macao_taiwan": "港澳台资",
    "mixed": "混合所有制",
    "collective": "集体",
}

COUNTS = ("staff", "frontline_technical_staff", "rd_staff", "pe_office_staff")
MONEY = ("revenue_wan", "cooperation_spending_wan", "cooperation_investment_wan", "outside_agreements_wan")


def _in(column: str, labels: dict[str, str]) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} in ({', '.join(repr(v) for v in labels)})", name=column)


class EnterpriseYearFacts(Base, table=True):
    """One enterprise's year. Money in 万元; counts are headcounts at the year's end (or as the enterprise reports)."""

    __tablename__ = "enterprise_year_facts"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "year", name="uq_enterprise_year_facts_org_id_year"),
        sa.Index("ix_enterprise_year_facts_year", "year", "org_id"),
        _in("size_class", SIZE_CLASS_LABELS),
        _in("ownership", OWNERSHIP_LABELS),
        *(sa.CheckConstraint(f"{c} >= 0", name=c) for c in (*COUNTS, *MONEY)),
    )

    id: uuid.UUID = Field(primary_key=True)
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False))
    year: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    staff: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    frontline_technical_staff: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    rd_staff: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    revenue_wan: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(16, 2), nullable=True))
    # As recorded; when not recorded it is derived from staff and revenue (service.derive_size_class).
    size_class: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    ownership: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    cooperation_spending_wan: Decimal | None = Field(
        default=None, sa_column=sa.Column(sa.Numeric(14, 2), nullable=True)
    )
    cooperation_investment_wan: Decimal | None = Field(
        default=None, sa_column=sa.Column(sa.Numeric(14, 2), nullable=True)
    )
    outside_agreements_wan: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(14, 2), nullable=True))
    pe_office: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    pe_office_staff: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
