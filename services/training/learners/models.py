"""Learner 学员 records (one organization's record of a person) and persons (the platform-wide counting key).

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
        # One record per document and organization (among records that still hold a number): migration a7c9e1b3d5f7.
        sa.Index(
            "uq_learners_owner_id_number_hash",
            "owner_org_id",
            "id_number_hash",
            unique=True,
            postgresql_where=sa.text("id_number_hash is not null"),
        ),
        sa.Index("ix_learners_owner_org_id", "owner_org_id", "id"),
        sa.Index("ix_learners_person_id", "person_id"),
        sa.Index(
            "ix_learners_membership_person_id",
            "membership_person_id",
            postgresql_where=sa.text("membership_person_id IS NOT NULL"),
        ),
        sa.Index("ix_learners_current_org_id", "current_org_id", "id"),
        sa.Index("ix_learners_updated_at", "updated_at", "id"),
        sa.Index("ix_learners_name_bigrams", "name_bigrams", postgresql_using="gin"),
    )

    id: uuid.UUID = Field(primary_key=True)
    # The organization that registered the record: only its principals see and write it (docs/learners.md).
    owner_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    # The platform-wide counting key (one person, however many organizations hold a record of it): internal, never
    # in an answer, an event or an export; it survives erasure. Always a `persons` row: checked per statement by
    # triggers rather than a foreign key (migration c2e4a6b8d0f1).
    person_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
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
    # The membership person (`/v1/people/{id}`) this record is — a teacher's record names the person of the school, so
    # the teacher figures count the teacher once across training, practice and teaching (docs/training.md).
    membership_person_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    erased_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


class Person(Base, table=True):
    """One human being, platform-wide: what the figures count once however many organizations hold a record of
    them. `id_number_hash` is the keyed hash of the document (unique); it is cleared when no record of the person
    that still holds personal data remains (erasure), so the platform keeps no hash of an erased number."""

    __tablename__ = "persons"
    __table_args__ = (sa.UniqueConstraint("id_number_hash", name="uq_persons_id_number_hash"),)

    id: uuid.UUID = Field(primary_key=True)
    id_number_hash: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    created_at: datetime = Field(
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()"))
    )
