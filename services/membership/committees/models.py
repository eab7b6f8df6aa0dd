"""Bodies and committees 机构与委员会 of an alliance, their seats (member organizations) and
positions (people)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from services.membership.db import Base


class BodyType(StrEnum):
    council = "council"  # 理事会
    standing_council = "standing_council"  # 常务理事会
    secretariat = "secretariat"  # 秘书处
    working_committee = "working_committee"  # 工作委员会 (专业建设/就业创业/产学研, 五金 …)
    specialized_committee = "specialized_committee"  # 专指委, one per industry domain
    expert_panel = "expert_panel"  # 专家智库


BODY_LABELS = {
    "council": "理事会",
    "standing_council": "常务理事会",
    "secretariat": "秘书处",
    "working_committee": "工作委员会",
    "specialized_committee": "专业指导委员会",
    "expert_panel": "专家智库",
}


class SeatRole(StrEnum):
    director_unit = "director_unit"  # 主任单位
    deputy_director_unit = "deputy_director_unit"  # 副主任单位
    member_unit = "member_unit"  # 成员单位
    training_company_unit = "training_company_unit"  # 教育培训型企业
    industry_support_unit = "industry_support_unit"  # 产业技术及就业支持企业


SEAT_LABELS = {
    "director_unit": "主任单位",
    "deputy_director_unit": "副主任单位",
    "member_unit": "成员单位",
    "training_company_unit": "教育培训型企业",
    "industry_support_unit": "产业技术及就业支持企业",
}


def _check(column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} in ({', '.join(repr(v.value) for v in enum)})", name=column)


class Committee(Base, table=True):
    __tablename__ = "committees"
    __table_args__ = (
        _check("body_type", BodyType),
        sa.Index(
            "uq_committees_name", "alliance_id", "name", unique=True, postgresql_where=sa.text("deleted_at is null")
        ),
        sa.Index("ix_committees_alliance", "alliance_id", "body_type", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=False))
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    body_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    domain: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    description: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    established_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


class CommitteeSeat(Base, table=True):
    """A member organization's seat on a committee for a period (end_on inclusive, null = open)."""

    __tablename__ = "committee_seats"
    __table_args__ = (
        _check("seat_role", SeatRole),
        sa.CheckConstraint("end_on is null or end_on >= start_on", name="period"),
        sa.Index("ix_committee_seats_committee", "committee_id", "start_on", "id"),
        sa.Index("ix_committee_seats_org", "org_id", "end_on"),
    )

    id: uuid.UUID = Field(primary_key=True)
    committee_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("committees.id"), nullable=False))
    alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False))
    seat_role: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    start_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    end_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class CommitteePosition(Base, table=True):
    """A person's position on a committee (主任, 副主任, 秘书长, 委员 …) for a period."""

    __tablename__ = "committee_positions"
    __table_args__ = (
        sa.CheckConstraint("end_on is null or end_on >= start_on", name="period"),
        sa.Index("ix_committee_positions_committee", "committee_id", "start_on", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    committee_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("committees.id"), nullable=False))
    person_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("people.id"), nullable=False))
    title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    start_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
