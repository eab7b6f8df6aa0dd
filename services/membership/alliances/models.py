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
    """The body's own scope (a 市域产教联合体 is municipal), not the level of whoever recognised it: recognitions
    (a province approving a city consortium) are designation-register entries."""

    national = "national"  # 国家级
    provincial = "provincial"  # 省级
    municipal = "municipal"  # 市级


class LegalPersonStatus(StrEnum):
    none = "none"  # 不具备法人资格
    public_institution = "public_institution"  # 事业单位法人
    social_organization = "social_organization"  # 社会团体法人
    private_non_enterprise = "private_non_enterprise"  # 民办非企业单位
    enterprise = "enterprise"  # 企业法人


LEGAL_PERSON_LABELS = {
    "none": "不具备法人资格",
    "public_institution": "事业单位法人",
    "social_organization": "社会团体法人",
    "private_non_enterprise": "民办非企业单位",
    "enterprise": "企业法人",
}


class RelationKind(StrEnum):
    sub_alliance = "sub_alliance"  # 下设联盟/分支机构: the related alliance sits inside this one
    community_led_by_member = "community_led_by_member"  # 成员牵头组建的共同体/联合体
    cooperation = "cooperation"  # 合作联盟


RELATION_KIND_LABELS = {
    "sub_alliance": "下设联盟（分支机构）",
    "community_led_by_member": "成员单位牵头组建的共同体/联合体",
    "cooperation": "合作联盟",
}


def _check(column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} in ({', '.join(repr(v.value) for v in enum)})", name=column)


class Alliance(Base, table=True):
    __tablename__ = "alliances"
    __table_args__ = (
        _check("kind", AllianceKind),
        _check("level", AllianceLevel),
        _check("legal_person_status", LegalPersonStatus),
        sa.CheckConstraint(
            "legal_person_status <> 'none' or legal_person_registration_no is null",
            name="registration_needs_legal_person",
        ),
        sa.Index("uq_alliances_name", "name", unique=True, postgresql_where=sa.text("deleted_at is null")),
        sa.Index("ix_alliances_kind", "kind", "id"),
        sa.Index("ix_alliances_seat_region_code", "seat_region_code", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    level: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    founded_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    # Where the body sits (所在地), and the park or zone it is based on (a 市域产教联合体 of 经济开发区) — never who
    # recognised it.
    seat_region_code: str | None = Field(default=None, sa_column=sa.Column(sa.String(6), nullable=True))
    seat_park: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # 实体化运作 and the body's legal personality (with its registration number, when it has one).
    entity_run: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default="false"))
    legal_person_status: str = Field(
        default="none", sa_column=sa.Column(sa.Text, nullable=False, server_default="none")
    )
    legal_person_registration_no: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
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


class AllianceRelation(Base, table=True):
    """A dated relation from an alliance to another: a sub-alliance inside it, a community or consortium its members
    lead (with the leading member), a cooperation. Soft-deleted by the kit; `until` ends it."""

    __tablename__ = "alliance_relations"
    __table_args__ = (
        _check("kind", RelationKind),
        sa.CheckConstraint("alliance_id <> related_alliance_id", name="not_itself"),
        sa.CheckConstraint("until is null or since is null or since <= until", name="period"),
        sa.Index("ix_alliance_relations_alliance_id", "alliance_id", "id"),
        sa.Index("ix_alliance_relations_related_alliance_id", "related_alliance_id", "id"),
        sa.Index(
            "uq_alliance_relations_pair",
            "alliance_id",
            "related_alliance_id",
            "kind",
            unique=True,
            postgresql_where=sa.text("deleted_at is null"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=False))
    related_alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    lead_org_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=True)
    )
    since: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    until: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
# ---- recognitions: the alliance's held entries in the designation register (services/membership/designations/) ----
# `[{title, level, year, issuer}]`, read with the row; written through `service.write_recognitions`.
Alliance.__mapper__.add_property(
    "recognitions", column_property(listed_json("alliance", Alliance.__table__.c.id), expire_on_flush=False)
)
