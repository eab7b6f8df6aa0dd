"""Designation 认定/称号 — the register and its stage history.

One entry: a subject (an organization, an alliance, a person, a training base, a course, a major, a 专业群, a
project) in a programme or list (`programme_name`: 全国示范性职业教育集团, 山东省技术技能大师 …) of a `level`, in a
`batch`, recognised by a body, at a `stage` of its life: 申报 → 立项/入选 → 培育/建设 → 推荐 → 验收/认定, or 撤销.
Every step is a row of `designation_stages` with its date (or, for history known only by year, its year); the
entry keeps its current stage, which is the last step not corrected (docs/domain.md, "Designation register")."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlmodel import Field

from services.membership.db import Base


class DesignationLevel(StrEnum):
    national = "national"  # 国家级
    provincial = "provincial"  # 省级
    municipal = "municipal"  # 市级
    industry = "industry"  # 行业
    international = "international"  # 国际


LEVEL_LABELS = {
    "national": "国家级",
    "provincial": "省级",
    "municipal": "市级",
    "industry": "行业",
    "international": "国际",
}


class Stage(StrEnum):
    applied = "applied"  # 申报
    selected = "selected"  # 立项/入选
    building = "building"  # 培育/建设
    recommended = "recommended"  # 推荐
    recognised = "recognised"  # 验收/认定
    withdrawn = "withdrawn"  # 撤销


STAGE_LABELS = {
    "applied": "申报",
    "selected": "立项/入选",
    "building": "培育/建设",
    "recommended": "推荐",
    "recognised": "验收/认定",
    "withdrawn": "撤销",
}
# The forward order; withdrawn may follow any stage and nothing follows it.
ORDER = ("applied", "selected", "building", "recommended", "recognised")
# Stages at which the subject holds the designation (shown as an honour or recognition).
HELD = ("selected", "building", "recommended", "recognised")


class SubjectKind(StrEnum):
    organization = "organization"  # 单位
    alliance = "alliance"  # 联盟/集团
    person = "person"  # 人员
    training_base = "training_base"  # 实训基地
    course = "course"  # 课程
    major = "major"  # 专业
    major_group = "major_group"  # 专业群
    project = "project"  # 项目


SUBJECT_KIND_LABELS = {
    "organization": "单位",
    "alliance": "联盟/集团",
    "person": "人员",
    "training_base": "实训基地",
    "course": "课程",
    "major": "专业",
    "major_group": "专业群",
    "project": "项目",
}
# Kinds with a record on the platform, named by `subject_id`; the others are named by `subject_name` (and code).
BY_ID = ("organization", "alliance", "person", "training_base")
BY_NAME = ("course", "major", "major_group", "project")


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in enum)


class Designation(Base, table=True):
    __tablename__ = "designations"
    __table_args__ = (
        sa.CheckConstraint(f"level in ({_values(DesignationLevel)})", name="level"),
        sa.CheckConstraint(f"stage in ({_values(Stage)})", name="stage"),
        sa.CheckConstraint(f"subject_kind in ({_values(SubjectKind)})", name="subject_kind"),
        sa.CheckConstraint("origin in ('register', 'honours')", name="origin"),
        sa.CheckConstraint("org_id is not null or alliance_id is not null", name="owner"),
        sa.CheckConstraint("subject_id is not null or subject_name is not null", name="subject"),
        sa.Index("ix_designations_subject", "subject_kind", "subject_id"),
        sa.Index("ix_designations_org_id", "org_id", "id"),
        sa.Index("ix_designations_alliance_id", "alliance_id", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    programme_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    level: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    batch: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # The current stage: the latest step not corrected (kept in step by the service).
    stage: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    stage_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    stage_year: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    recognising_body: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    recognising_org_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("membership.organizations.id"), nullable=True)
    )
    subject_kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    subject_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    subject_name: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    subject_code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # Who writes: the organization that holds the subject (null for an alliance's own entries) and the alliance
    # that recorded it for its member (or whose entry it is).
    org_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("membership.organizations.id"), nullable=True)
    )
    alliance_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("membership.alliances.id"), nullable=True)
    )
    # `honours`: written through an organization's `honours` or an alliance's `recognitions` (or moved from them);
    # such a list replaces only its own entries, in its order (`position`).
    origin: str = Field(default="register", sa_column=sa.Column(sa.Text, nullable=False, server_default="register"))
    position: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


class DesignationStage(Base, table=True):
    """One step of an entry's life, kept forever; a correction marks the step it replaces `corrected`."""

    __tablename__ = "designation_stages"
    __table_args__ = (
        sa.CheckConstraint(f"stage in ({_values(Stage)})", name="stage"),
        sa.CheckConstraint("on_date is null or extract(year from on_date) = year", name="year"),
        sa.Index("ix_designation_stages_designation_id", "designation_id", "seq"),
    )

    id: uuid.UUID = Field(primary_key=True)
    designation_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("membership.designations.id"), nullable=False)
    )
    seq: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    stage: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    on_date: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    year: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    corrected: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default="false"))
    actor: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    recorded_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


def listed_json(subject_kind: str, subject_column: sa.ColumnElement) -> sa.ScalarSelect:
    """The held entries of a subject as the `{title, level, year, issuer}` list an organization's `honours` and an
    alliance's `recognitions` show: the entries written through that list in its order first, then the register's
    by year (a column property of `organizations` and `alliances`)."""
    d = Designation.__table__.c
    item = sa.func.jsonb_build_object(
        "title", d.programme_name, "level", d.level, "year", d.stage_year, "issuer", d.recognising_body
    )
    order = (d.position.asc().nulls_last(), d.stage_year, d.created_at, d.id)
    agg = sa.func.coalesce(sa.func.jsonb_agg(aggregate_order_by(item, *order)), sa.text("'[]'::jsonb"))
    return (
        sa.select(agg)
        .where(
            d.subject_kind == subject_kind,
            d.subject_id == subject_column,
            d.deleted_at.is_(None),
            d.stage.in_(HELD),
        )
        .correlate_except(Designation.__table__)
        .scalar_subquery()
    )
