"""Programme 培训项目/班 — the table. `enrolled_count` is the live number of seats taken (enrolments that
are not dropped); it is changed only by conditional UPDATEs in the enrolment transaction, so capacity is a
hard limit under concurrency (services/training/enrolments/service.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.training.db import Base


class ProgrammeKind(StrEnum):
    pre_job = "pre_job"
    on_job = "on_job"
    upskilling = "upskilling"
    reskilling = "reskilling"
    special_operations = "special_operations"
    special_equipment = "special_equipment"
    continuing_education = "continuing_education"
    order_class = "order_class"
    modern_apprenticeship = "modern_apprenticeship"
    enterprise_apprenticeship = "enterprise_apprenticeship"
    teacher_training = "teacher_training"
    social_training = "social_training"
    field_engineer = "field_engineer"
    targeted = "targeted"
    study_training = "study_training"
    safety_training = "safety_training"
    other = "other"


KIND_LABELS = {
    "pre_job": "岗前/入职培训",
    "on_job": "在岗培训",
    "upskilling": "技能提升培训",
    "reskilling": "转岗培训",
    "special_operations": "特种作业培训",
    "special_equipment": "特种设备作业人员培训",
    "continuing_education": "继续教育",
    "order_class": "订单班",
    "modern_apprenticeship": "现代学徒制班",
    "enterprise_apprenticeship": "企业新型学徒制班",
    "teacher_training": "师资/双师培训",
    "social_training": "社会培训",
    "field_engineer": "现场工程师培养",
    "targeted": "定向/定岗培训",
    "study_training": "学训班",
    "safety_training": "安全培训",
    "other": "其他",
}


class ProjectLevel(StrEnum):
    """The level of the body that commissions a programme as its project (国家/省/市级培养培训项目)."""

    national = "national"
    provincial = "provincial"
    municipal = "municipal"
    industry = "industry"
    none = "none"


PROJECT_LEVEL_LABELS = {
    "national": "国家级",
    "provincial": "省级",
    "municipal": "市级",
    "industry": "行业",
    "none": "非委托项目",
}


class FundingSource(StrEnum):
    government_subsidy = "government_subsidy"
    skills_upgrade_fund = "skills_upgrade_fund"
    enterprise_funded = "enterprise_funded"
    self_paid = "self_paid"
    commissioner_funded = "commissioner_funded"
    mixed = "mixed"
    other = "other"


FUNDING_SOURCE_LABELS = {
    "government_subsidy": "财政补贴",
    "skills_upgrade_fund": "职业技能提升行动专账资金",
    "enterprise_funded": "企业自筹",
    "self_paid": "学员自费",
    "commissioner_funded": "委托方项目经费",
    "mixed": "多渠道筹资",
    "other": "其他",
}


class TargetGroup(StrEnum):
    farmers = "farmers"
    migrant_workers = "migrant_workers"
    veterans = "veterans"
    sergeants = "sergeants"
    foreign_aid = "foreign_aid"
    employees = "employees"
    students = "students"
    teachers = "teachers"
    unemployed = "unemployed"
    poverty_relief = "poverty_relief"
    public = "public"


TARGET_GROUP_LABELS = {
    "farmers": "农民/职业农民",
    "migrant_workers": "农民工",
    "veterans": "退役军人",
    "sergeants": "士官",
    "foreign_aid": "援外培训学员",
    "employees": "企业职工",
    "students": "在校生",
    "teachers": "教师",
    "unemployed": "失业人员",
    "poverty_relief": "脱贫人口",
    "public": "社会人员",
}


class Delivery(StrEnum):
    online = "online"
    offline = "offline"
    blended = "blended"


DELIVERY_LABELS = {"online": "线上", "offline": "线下", "blended": "线上线下混合"}


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in enum)


def _enum_check(column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} in ({_values(enum)})", name=column)


class Programme(Base, table=True):
    __tablename__ = "programmes"
    __table_args__ = (
        _enum_check("kind", ProgrammeKind),
        _enum_check("delivery", Delivery),
        _enum_check("project_level", ProjectLevel),
        sa.CheckConstraint(
            f"funding_source is null or funding_source in ({_values(FundingSource)})", name="funding_source"
        ),
        sa.CheckConstraint(f"target_groups <@ array[{_values(TargetGroup)}]::text[]", name="target_groups"),
        sa.CheckConstraint("project_level = 'none' or commissioned_by is not null", name="commissioned"),
        sa.CheckConstraint("end_on >= start_on", name="period"),
        sa.CheckConstraint("capacity is null or capacity >= 1", name="capacity"),
        sa.CheckConstraint(
            "enrolled_count >= 0 and (capacity is null or enrolled_count <= capacity)", name="enrolled_count"
        ),
        sa.CheckConstraint("planned_hours is null or planned_hours >= 0", name="planned_hours"),
        sa.Index("ix_programmes_provider_org_id", "provider_org_id", "id"),
        sa.Index("ix_programmes_alliance_id", "alliance_id", "end_on"),
        sa.Index("ix_programmes_end_on", "end_on"),
        sa.Index("ix_programmes_provider_start_on", "provider_org_id", "start_on"),
        sa.Index("ix_programmes_alliance_start_on", "alliance_id", "start_on"),
        sa.Index("ix_programmes_partner_org_ids", "partner_org_ids", postgresql_using="gin"),
        sa.Index("ix_programmes_training_base_id", "training_base_id"),
        sa.Index("ix_programmes_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    provider_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    alliance_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    partner_org_ids: list[uuid.UUID] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.Uuid), nullable=False, server_default="{}")
    )
    occupation_code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    major_code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # A training base (services/training/bases/models.py); the foreign key is added by migration c3e5a7b9d1f3.
    training_base_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    start_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    planned_hours: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(8, 1), nullable=True))
    capacity: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    delivery: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # Who commissioned the programme as its project (委托/承接项目), at which level; `none` — the provider's own.
    commissioned_by: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    commissioned_by_org_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    project_level: str = Field(default="none", sa_column=sa.Column(sa.Text, nullable=False, server_default="none"))
    funding_source: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    target_groups: list[str] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.Text), nullable=False, server_default="{}")
    )
    enrolled_count: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0"))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
