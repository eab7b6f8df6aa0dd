"""Bodies and committees 机构与委员会 of an alliance: their status, their seats (held by an organization —
a member, or an outside or foreign unit — or by another body or alliance) with a rank and a category, their
planned composition, and positions (people of members, or outside experts)."""

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
    expert_group = "expert_group"  # 专家组 / 专家指导组, usually inside a committee (`parent_id`)


BODY_LABELS = {
    "council": "理事会",
    "standing_council": "常务理事会",
    "secretariat": "秘书处",
    "working_committee": "工作委员会",
    "specialized_committee": "专业指导委员会",
    "expert_panel": "专家智库",
    "expert_group": "专家组",
}


class CommitteeStatus(StrEnum):
    preparing = "preparing"  # 筹建中
    active = "active"  # 运行
    dissolved = "dissolved"  # 已撤销


STATUS_LABELS = {"preparing": "筹建中", "active": "运行", "dissolved": "已撤销"}
# preparing → active (成立) or dissolved (not formed); active → dissolved; dissolved is final.
STATUS_MOVES = {"preparing": {"active", "dissolved"}, "active": {"dissolved"}, "dissolved": set()}


class SeatRank(StrEnum):
    """Where a seat sits in the committee (主任单位 … 参与单位)."""

    director_unit = "director_unit"  # 主任单位 (牵头单位)
    deputy_director_unit = "deputy_director_unit"  # 副主任单位
    secretariat_unit = "secretariat_unit"  # 秘书处单位
    member_unit = "member_unit"  # 成员单位
    participant_unit = "participant_unit"  # 参与单位


RANK_LABELS = {
    "director_unit": "主任单位",
    "deputy_director_unit": "副主任单位",
    "secretariat_unit": "秘书处单位",
    "member_unit": "成员单位",
    "participant_unit": "参与单位",
}


class SeatCategory(StrEnum):
    """What kind of unit holds the seat (教育培训型企业 …); a seat has a rank and, optionally, a category."""

    school = "school"  # 技工院校 (牵头/协助/参与院校)
    training_company = "training_company"  # 教育培训型企业
    industry_support = "industry_support"  # 产业技术及就业支持企业
    project_tech_support = "project_tech_support"  # 项目技术支持单位
    pilot_unit = "pilot_unit"  # 应用推广试点单位
    textbook_department = "textbook_department"  # 技工教育教材开发部门
    cooperation_department = "cooperation_department"  # 联盟校企合作部门
    integration_enterprise = "integration_enterprise"  # 产教融合型企业
    employer = "employer"  # 生产经营型就业企业
    master_studio = "master_studio"  # 技能大师工作室


CATEGORY_LABELS = {
    "school": "技工院校",
    "training_company": "教育培训型企业",
    "industry_support": "产业技术及就业支持企业",
    "project_tech_support": "项目技术支持单位",
    "pilot_unit": "应用推广试点单位",
    "textbook_department": "技工教育教材开发部门",
    "cooperation_department": "联盟校企合作部门",
    "integration_enterprise": "产教融合型企业",
    "employer": "生产经营型就业企业",
    "master_studio": "技能大师工作室",
}


class SeatRole(StrEnum):
    """The former single seat field, still accepted on create and answered where a seat maps onto one."""

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
# seat_role → (rank, category); the same table migrates the stored seats (migrations/membership/versions/
# 20261203_committee_seat_rank_4a7c9e1b3d5f.py).
ROLE_TO_RANK: dict[str, tuple[str, str | None]] = {
    "director_unit": ("director_unit", None),
    "deputy_director_unit": ("deputy_director_unit", None),
    "member_unit": ("member_unit", None),
    "training_company_unit": ("member_unit", "training_company"),
    "industry_support_unit": ("member_unit", "industry_support"),
}
RANK_TO_ROLE = {v: k for k, v in ROLE_TO_RANK.items()}


class HolderKind(StrEnum):
    organization = "organization"  # 单位 (a member, or an outside/foreign unit with `outside`)
    committee = "committee"  # another body of the alliance (e.g. 常务理事会 as 副主任单位)
    alliance = "alliance"  # an alliance


def _check(column: str, enum: type[StrEnum], *, nullable: bool = False) -> sa.CheckConstraint:
    rule = f"{column} in ({', '.join(repr(v.value) for v in enum)})"
    return sa.CheckConstraint(f"{column} is null or {rule}" if nullable else rule, name=column)


class Committee(Base, table=True):
    __tablename__ = "committees"
    __table_args__ = (
        _check("body_type", BodyType),
        _check("status", CommitteeStatus),
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
    status: str = Field(default="active", sa_column=sa.Column(sa.Text, nullable=False, server_default="active"))
    dissolved_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    parent_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("committees.id"), nullable=True)
    )
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


class CommitteeSeat(Base, table=True):
    """A seat on a committee for a period (end_on inclusive, null = open), held by exactly one of an
    organization (`org_id`), another body (`holder_committee_id`) or an alliance (`holder_alliance_id`)."""

    __tablename__ = "committee_seats"
    __table_args__ = (
        _check("rank", SeatRank),
        _check("category", SeatCategory, nullable=True),
        sa.CheckConstraint("num_nonnulls(org_id, holder_committee_id, holder_alliance_id) = 1", name="one_holder"),
        sa.CheckConstraint("not outside or org_id is not null", name="outside_org"),
        sa.CheckConstraint("end_on is null or end_on >= start_on", name="period"),
        sa.Index("ix_committee_seats_committee", "committee_id", "start_on", "id"),
        sa.Index("ix_committee_seats_org", "org_id", "end_on"),
    )

    id: uuid.UUID = Field(primary_key=True)
    committee_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("committees.id"), nullable=False))
    alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    org_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=True)
    )
    holder_committee_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("committees.id"), nullable=True)
    )
    holder_alliance_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=True)
    )
    outside: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default="false"))
    rank: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    category: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    start_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    end_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class CommitteePosition(Base, table=True):
    """A position on a committee (主任, 副主任, 秘书长, 委员, 组长 …) for a period, held by a person of a member
    (`person_id`) or by an outside expert of the alliance's pool (`expert_id`)."""

    __tablename__ = "committee_positions"
    __table_args__ = (
        sa.CheckConstraint("num_nonnulls(person_id, expert_id) = 1", name="one_holder"),
        sa.CheckConstraint("end_on is null or end_on >= start_on", name="period"),
        sa.Index("ix_committee_positions_committee", "committee_id", "start_on", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    committee_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("committees.id"), nullable=False))
    person_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("people.id"), nullable=True)
    )
    expert_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("outside_experts.id"), nullable=True)
    )
    title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    start_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class CommitteePlanItem(Base, table=True):
    """A line of a committee's planned composition: how many seats of a rank and/or category are planned
    (`planned_min`–`planned_max`, e.g. 技工院校 30—50 所)."""

    __tablename__ = "committee_plan_items"
    __table_args__ = (
        _check("rank", SeatRank, nullable=True),
        _check("category", SeatCategory, nullable=True),
        sa.CheckConstraint("rank is not null or category is not null", name="rank_or_category"),
        sa.CheckConstraint("planned_min >= 0 and (planned_max is null or planned_max >= planned_min)", name="range"),
        sa.Index("ix_committee_plan_items_committee", "committee_id", "position"),
    )

    id: uuid.UUID = Field(primary_key=True)
    committee_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("committees.id"), nullable=False))
    position: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    rank: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    category: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    planned_min: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    planned_max: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))


class ApplicationStatus(StrEnum):
    pending = "pending"  # 已申报
    accepted = "accepted"  # 已接受 (a seat was given)
    declined = "declined"  # 未接受


APPLICATION_LABELS = {"pending": "已申报", "accepted": "已接受", "declined": "未接受"}


class CommitteeApplication(Base, table=True):
    """An organization's application 申报 for a seat on a committee, decided by the committee's alliance's admins;
    accepting it gives the seat (`seat_id`)."""

    __tablename__ = "committee_applications"
    __table_args__ = (
        _check("status", ApplicationStatus),
        _check("rank", SeatRank),
        _check("category", SeatCategory, nullable=True),
        sa.Index(
            "uq_committee_applications_pending",
            "committee_id",
            "org_id",
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_committee_applications_committee", "committee_id", "applied_on", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    committee_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("committees.id"), nullable=False))
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False))
    rank: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    category: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    applied_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    decided_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    seat_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("committee_seats.id"), nullable=True)
    )
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
