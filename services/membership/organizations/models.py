"""Organization 单位 — the table."""

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


class OrgType(StrEnum):
    government = "government"  # 政府部门
    enterprise = "enterprise"  # 企业
    undergraduate = "undergraduate"  # 本科院校
    higher_vocational = "higher_vocational"  # 高职院校(含职业本科)
    secondary_vocational = "secondary_vocational"  # 中职学校
    technical_school = "technical_school"  # 技工学校(含高级技工学校)
    technician_college = "technician_college"  # 技师学院
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
    "technical_school": "技工学校(含高级技工学校)",
    "technician_college": "技师学院",
    "industry_association": "行业协会/学会",
    "research_institute": "科研院所",
    "training_company": "教育培训型企业",
    "other": "其他",
}


# School types: only these run majors, keep school statistics and may name a sponsor (举办单位).
SCHOOL_TYPES = frozenset(
    {"undergraduate", "higher_vocational", "secondary_vocational", "technical_school", "technician_college"}
)
# Organizations in China carry a region code (and may carry a credit code); a foreign unit (德国 Diako 社会福利院)
# carries only its ISO 3166-1 alpha-2 country code.
HOME_COUNTRY = "CN"


class OrgStatus(StrEnum):
    active = "active"
    inactive = "inactive"


class HonourLevel(StrEnum):
    national = "national"  # 国家级
    provincial = "provincial"  # 省级
    municipal = "municipal"  # 市级
    industry = "industry"  # 行业 (the designation register's levels)
    international = "international"  # 国际


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
        sa.CheckConstraint("country_code ~ '^[A-Z]{2}$'", name="country_code"),
        sa.CheckConstraint("(country_code = 'CN') = (region_code is not null)", name="region_by_country"),
        sa.CheckConstraint("country_code = 'CN' or credit_code is null", name="credit_code_in_china"),
        sa.Index(
            "uq_organizations_name_region",
            "name",
            sa.text("coalesce(region_code, country_code)"),
            unique=True,
            postgresql_where=sa.text("deleted_at is null and credit_code is null"),
        ),
        sa.Index("ix_organizations_name_bigrams", "name_bigrams", postgresql_using="gin"),
        sa.Index("ix_organizations_region_code", "region_code", "id"),
        sa.Index("ix_organizations_org_type", "org_type", "id"),
        sa.Index("ix_organizations_updated_at", "updated_at", "id"),
        sa.Index("ix_organizations_parent_id", "parent_id", "id"),
        sa.Index("ix_organizations_status", "status", "id"),
        sa.Index(
            "ix_organizations_sponsor_org_id", "sponsor_org_id", postgresql_where=sa.text("sponsor_org_id is not null")
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # Overlapping two-character pieces of the name, GIN-indexed: finds any 2+ Chinese characters
    # (trigram indexes see nothing in CJK text under the C locale).
    name_bigrams: list[str] = Field(sa_column=sa.Column(ARRAY(sa.Text), nullable=False))
    org_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # ISO 3166-1 alpha-2; `region_code` is required in China and absent elsewhere, and only Chinese units have a
    # credit code. The current type and region are the `to` of the latest `OrganizationChange` (if any).
    country_code: str = Field(
        default=HOME_COUNTRY, sa_column=sa.Column(sa.String(2), nullable=False, server_default=HOME_COUNTRY)
    )
    region_code: str | None = Field(default=None, sa_column=sa.Column(sa.String(6), nullable=True))
    credit_code: str | None = Field(default=None, sa_column=sa.Column(sa.String(18), nullable=True))
    industry_codes: list[str] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.Text), nullable=False, server_default="{}")
    )
    status: str = Field(default="active", sa_column=sa.Column(sa.Text, nullable=False, server_default="active"))
    # Group structure (山钢集团 → 济钢) and, on schools, the unit that runs it (举办单位).
    parent_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=True)
    )
    sponsor_org_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=True)
    )
    # The alliance whose admin registered the organization (an alliance key, or a user administering one alliance;
    # a member import's alliance). While no org admin has claimed it, that alliance's admins keep its record,
    # record its memberships directly and invite its first org admin (services/membership/tenancy.py).
    registered_by_alliance_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=True)
    )
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


class OrganizationMajor(Base, table=True):
    """One vocational major a school ran in one year, with its enrolment and graduates."""

    __tablename__ = "organization_majors"
    __table_args__ = (
        sa.CheckConstraint("enrolment >= 0", name="enrolment"),
        sa.CheckConstraint("graduates >= 0", name="graduates"),
    )

    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), primary_key=True))
    year: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True))
    major_code: str = Field(sa_column=sa.Column(sa.String(7), primary_key=True))
    enrolment: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    graduates: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))


class OrganizationSchoolStats(Base, table=True):
    """A school's yearly figures: 年招收全日制学生, 在校生, 毕业生."""

    __tablename__ = "organization_school_stats"
    __table_args__ = (
        sa.CheckConstraint("full_time_enrolment >= 0", name="full_time_enrolment"),
        sa.CheckConstraint("students >= 0", name="students"),
        sa.CheckConstraint("graduates >= 0", name="graduates"),
    )

    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), primary_key=True))
    year: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True))
    full_time_enrolment: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    students: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    graduates: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class OrganizationStatusEvent(Base, table=True):
    """A dated status change (active ⇄ inactive), kept forever; the org's `status` is the latest `to`."""

    __tablename__ = "organization_status_events"
    __table_args__ = (
        _enum_check("from_status", OrgStatus),
        _enum_check("to_status", OrgStatus),
        sa.Index("ix_organization_status_events_org_id", "org_id", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False))
    from_status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    to_status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    effective_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    actor: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    recorded_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))  # = recorded_at


class OrganizationChange(Base, table=True):
    """A dated change of an organization's type and/or region (a 技工学校 upgraded to 技师学院, a district merged),
    kept forever. The value on a day is the `to` of the last change effective on or before it; before the first
    change it is that change's `from`; an organization without changes had its current values all along."""

    __tablename__ = "organization_changes"
    __table_args__ = (
        _enum_check("from_org_type", OrgType),
        _enum_check("to_org_type", OrgType),
        sa.CheckConstraint(
            "from_org_type <> to_org_type or from_region_code is distinct from to_region_code", name="changes_something"
        ),
        sa.Index("ix_organization_changes_org_id", "org_id", "effective_on", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False))
    from_org_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    to_org_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    from_region_code: str | None = Field(default=None, sa_column=sa.Column(sa.String(6), nullable=True))
    to_region_code: str | None = Field(default=None, sa_column=sa.Column(sa.String(6), nullable=True))
    effective_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    actor: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    recorded_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))  # = recorded_at
# ---- honours: the organization's held entries in the designation register (services/membership/designations/) ----
# `[{title, level, year, issuer}]`, read with the row; written through `service.write_honours`, which refreshes it.
Organization.__mapper__.add_property(
    "honours", column_property(listed_json("organization", Organization.__table__.c.id), expire_on_flush=False)
)
