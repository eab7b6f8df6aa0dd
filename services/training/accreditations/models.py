"""The accreditation register and the 1+X pilot registrations — the tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field

from services.training.db import Base


class AccreditationKind(StrEnum):
    appraisal_station = "appraisal_station"  # 职业技能鉴定站（所）
    recognition_org = "recognition_org"  # 职业技能等级认定机构（评价机构）
    exam_site = "exam_site"  # 考点
    x_exam_site = "x_exam_site"  # 1+X 考核站点


KIND_LABELS = {
    "appraisal_station": "职业技能鉴定站",
    "recognition_org": "职业技能等级认定机构",
    "exam_site": "考点",
    "x_exam_site": "1+X 考核站点",
}

# The levels an accreditation names: those of the certificate kinds it appraises for (services/training/certificates/
# rules.py, which imports this noun's checks, so the tuples are kept here too; tests/training/test_accreditations.py
# checks they are equal).
SKILL_LEVELS = ("五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师", "特级技师", "首席技师")
LEVELS_1X = ("初级", "中级", "高级")

# Which accreditations let an organization appraise for a certificate kind (services/training/appraisals/).
KINDS_FOR_CERTIFICATE: dict[str, tuple[str, ...]] = {
    "skill_level": ("appraisal_station", "recognition_org", "exam_site"),
    "skill_level_1x": ("x_exam_site",),
}


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in enum)


class Accreditation(Base, table=True):
    __tablename__ = "accreditations"
    __table_args__ = (
        sa.CheckConstraint(f"kind in ({_values(AccreditationKind)})", name="kind"),
        sa.CheckConstraint("valid_until is null or valid_until >= valid_from", name="validity"),
        sa.Index("ix_accreditations_org_id", "org_id", "id"),
        sa.Index("ix_accreditations_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    # The accredited organization (a school, an enterprise's training centre, an evaluation organization).
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    granting_body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    certificate_number: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    valid_from: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    valid_until: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    # [{"code": "6-31-01-10" | null, "name": "工业机器人系统运维员", "levels": ["四级/中级工", …]}]; an empty
    # `levels` covers every level of the occupation.
    occupations: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(postgresql.JSONB, nullable=False)
    )
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


class PilotRegistration(Base, table=True):
    """A school registered (备案) with the Ministry of Education for one 1+X certificate."""

    __tablename__ = "pilot_registrations"
    __table_args__ = (
        sa.CheckConstraint("batch is null or batch between 1 and 20", name="batch"),
        sa.Index(
            "uq_pilot_registrations_certificate",
            "school_org_id",
            "certificate_key",
            unique=True,
            postgresql_where=sa.text("deleted_at is null"),
        ),
        sa.Index("ix_pilot_registrations_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    school_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    certificate_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # The name compared: spaces and the full-width/half-width difference removed (services/training/accreditations/
    # service.py `name_key`), so 「Web 前端开发」 and 「Web前端开发」 are one certificate.
    certificate_key: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    evaluation_org_name: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    batch: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    registered_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    levels: list[str] = Field(
        default_factory=list, sa_column=sa.Column(postgresql.ARRAY(sa.Text), nullable=False, server_default="{}")
    )
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
