"""A school's facts of one calendar year (学校年度数据): 全日制在校生, facilities, intake per major and channel
(by 招生年度), and its 专业群 with their designation. docs/domain.md, "School facts by year"."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.membership.db import Base


class IntakeChannel(StrEnum):
    regular = "regular"  # 普通招生
    three_two = "three_two"  # 三二连读（中高职贯通）
    five_year = "five_year"  # 五年一贯制
    vocational_bachelor = "vocational_bachelor"  # 高职本科贯通
    nco = "nco"  # 士官生（定向培养士官）
    apprenticeship = "apprenticeship"  # 现代学徒制
    social = "social"  # 社会招生（退役军人、下岗职工、农民工等）


INTAKE_CHANNEL_LABELS = {
    "regular": "普通招生",
    "three_two": "三二连读",
    "five_year": "五年一贯",
    "vocational_bachelor": "高职本科贯通",
    "nco": "士官生",
    "apprenticeship": "现代学徒制",
    "social": "社会招生",
}


class GroupDesignation(StrEnum):
    national_double_high = "national_double_high"  # 国家“双高”专业群
    provincial_high_level = "provincial_high_level"  # 省级高水平专业群
    brand = "brand"  # 品牌专业群（院校）
    none = "none"  # 未获认定


GROUP_DESIGNATION_LABELS = {
    "national_double_high": "国家“双高”专业群",
    "provincial_high_level": "省级高水平专业群",
    "brand": "品牌专业群",
    "none": "未获认定",
}


def _in(column: str, labels: dict[str, str]) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} in ({', '.join(repr(v) for v in labels)})", name=column)


def _not_negative(*columns: str) -> tuple[sa.CheckConstraint, ...]:
    return tuple(sa.CheckConstraint(f"{c} >= 0", name=c) for c in columns)


COUNTS = ("full_time_students", "classroom_area_m2", "laboratories", "training_rooms", "training_bases")


class SchoolYearFacts(Base, table=True):
    """One school's year: the figures a secretariat collects from its member schools (seed tables of 教育设施)."""

    __tablename__ = "school_year_facts"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "year", name="uq_school_year_facts_org_id_year"),
        sa.Index("ix_school_year_facts_year", "year", "org_id"),
        *_not_negative(*COUNTS, "equipment_value_wan"),
    )

    id: uuid.UUID = Field(primary_key=True)
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False))
    year: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    full_time_students: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    classroom_area_m2: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    laboratories: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    training_rooms: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    training_bases: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    equipment_value_wan: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(14, 2), nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class SchoolIntake(Base, table=True):
    """Planned and actual intake of one major through one channel in the facts' 招生年度."""

    __tablename__ = "school_intakes"
    __table_args__ = (_in("channel", INTAKE_CHANNEL_LABELS), *_not_negative("planned", "actual"))

    facts_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("school_year_facts.id", ondelete="CASCADE"), primary_key=True)
    )
    major_code: str = Field(sa_column=sa.Column(sa.String(7), primary_key=True))
    channel: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    planned: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    actual: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))


class SchoolMajorGroup(Base, table=True):
    """A 专业群 of the school in that year: its name, the majors in it and its designation."""

    __tablename__ = "school_major_groups"
    __table_args__ = (_in("designation", GROUP_DESIGNATION_LABELS),)

    facts_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("school_year_facts.id", ondelete="CASCADE"), primary_key=True)
    )
    name: str = Field(sa_column=sa.Column(sa.Text, primary_key=True))
    designation: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    major_codes: list[str] = Field(sa_column=sa.Column(ARRAY(sa.Text), nullable=False))
