"""Learner 学员 and its organization links — the tables.

The ID number and phone are personal data: only AES-GCM ciphertexts (bound to the row), a keyed
HMAC of the normalised ID number (de-duplication) and the masked forms are stored."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.training.db import Base


class IdType(StrEnum):
    """证件类型."""

    resident_id = "resident_id"  # 居民身份证 (GB 11643)
    passport = "passport"  # 护照
    hk_macau_permit = "hk_macau_permit"  # 港澳居民来往内地通行证 / 居住证
    taiwan_permit = "taiwan_permit"  # 台湾居民来往大陆通行证 / 居住证
    foreigner_permanent = "foreigner_permanent"  # 外国人永久居留身份证


ID_TYPE_LABELS = {
    "resident_id": "居民身份证",
    "passport": "护照",
    "hk_macau_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "foreigner_permanent": "外国人永久居留身份证",
}


class LearnerType(StrEnum):
    student = "student"  # 学生
    employee = "employee"  # 企业职工
    teacher = "teacher"  # 教师
    social = "social"  # 社会人员


LEARNER_TYPE_LABELS = {"student": "学生", "employee": "企业职工", "teacher": "教师", "social": "社会人员"}


class LinkVia(StrEnum):
    """Why an organization sees a learner (learner_orgs.via)."""

    registration = "registration"  # the org created (or re-registered) the learner
    current_org = "current_org"  # the learner's current organization
    enrolment = "enrolment"  # T2: the provider org of a programme the learner enrolled in
    internship = "internship"  # T3: school and host of an internship
    teacher_practice = "teacher_practice"  # T3: school and enterprise of a teacher's practice
    part_time_teaching = "part_time_teaching"  # T3
    certificate = "certificate"  # later: the issuer of a certificate


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in enum)


class Learner(Base, table=True):
    __tablename__ = "learners"
    __table_args__ = (
        sa.CheckConstraint(f"id_type in ({_values(IdType)})", name="id_type"),
        sa.CheckConstraint(f"learner_type in ({_values(LearnerType)})", name="learner_type"),
        sa.CheckConstraint("gender in ('male', 'female')", name="gender"),
        sa.CheckConstraint("(phone_ciphertext is null) = (phone_masked is null)", name="phone_pair"),
        sa.CheckConstraint(
            "erased_at is not null or (id_number_hash is not null and id_number_ciphertext is not null "
            "and id_number_masked is not null)",
            name="id_number_present",
        ),
        sa.UniqueConstraint("id_number_hash", name="uq_learners_id_number_hash"),
        sa.Index("ix_learners_current_org_id", "current_org_id", "id"),
        sa.Index("ix_learners_updated_at", "updated_at", "id"),
        sa.Index("ix_learners_name_bigrams", "name_bigrams", postgresql_using="gin"),
    )

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # Overlapping two-character pieces of the name (GIN): `q` finds any part of a name.
    name_bigrams: list[str] = Field(sa_column=sa.Column(ARRAY(sa.Text), nullable=False))
    id_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # HMAC-SHA256 (key derived from the personal-data secret) of "<id_type>:<normalised number>"; NULL once erased.
    id_number_hash: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    # AES-GCM ciphertext bound to this row's id (chanjiao.crypto); the clear number is never stored.
    id_number_ciphertext: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    id_number_masked: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    gender: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    birth_year: int | None = Field(default=None, sa_column=sa.Column(sa.SmallInteger, nullable=True))
    phone_ciphertext: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    phone_masked: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    learner_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    current_org_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    erased_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


class LearnerOrg(Base, table=True):
    """An organization's relation to a learner: the only way an organization sees one."""

    __tablename__ = "learner_orgs"
    __table_args__ = (sa.Index("ix_learner_orgs_org_id", "org_id", "learner_id"),)

    learner_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.learners.id", ondelete="CASCADE"), primary_key=True)
    )
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, primary_key=True))
    # The first relation that linked them (registration, enrolment, internship …); later ones keep it.
    via: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    linked_at: datetime = Field(
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()"))
    )
