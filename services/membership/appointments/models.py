"""Appointment 双栖双聘 — the table. Overlapping periods of one (person, host, type) are excluded by
the database itself (EXCLUDE USING gist, btree_gist), so two concurrent requests cannot both win."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlmodel import Field

from services.membership.db import Base


class AppointmentType(StrEnum):
    industry_professor = "industry_professor"  # 产业教授
    guest_professor = "guest_professor"  # 客座教授
    enterprise_mentor = "enterprise_mentor"  # 企业导师
    part_time_teacher = "part_time_teacher"  # 兼职教师
    off_campus_counsellor = "off_campus_counsellor"  # 校外辅导员 (an enterprise person at a school)
    research_assistant = "research_assistant"  # 科研助理 (a school teacher at an enterprise)


APPOINTMENT_TYPE_LABELS = {
    "industry_professor": "产业教授",
    "guest_professor": "客座教授",
    "enterprise_mentor": "企业导师",
    "part_time_teacher": "兼职教师",
    "off_campus_counsellor": "校外辅导员",
    "research_assistant": "科研助理",
}

SCHOOL_ORG_TYPES = (
    "undergraduate",
    "higher_vocational",
    "secondary_vocational",
    "technical_school",
    "technician_college",
)
ENTERPRISE_ORG_TYPES = ("enterprise",)


def host_org_types(appointment_type: str) -> tuple[str, ...]:
    """Where an appointment of this type is held: a school, or (科研助理) an enterprise."""
    return ENTERPRISE_ORG_TYPES if appointment_type == "research_assistant" else SCHOOL_ORG_TYPES


# The period as an inclusive daterange; an open end is unbounded.
PERIOD_SQL = "daterange(start_on, end_on, '[]')"
EXCLUSION_NAME = "ex_appointments_no_overlap"


class Appointment(Base, table=True):
    __tablename__ = "appointments"
    __table_args__ = (
        sa.CheckConstraint(
            "appointment_type in ({})".format(", ".join(f"'{t.value}'" for t in AppointmentType)),
            name="appointment_type",
        ),
        sa.CheckConstraint("end_on is null or end_on >= start_on", name="period"),
        ExcludeConstraint(
            ("person_id", "="),
            ("host_org_id", "="),
            ("appointment_type", "="),
            (sa.text(PERIOD_SQL), "&&"),
            name=EXCLUSION_NAME,
            using="gist",
            where=sa.text("deleted_at is null"),
        ),
        sa.Index("ix_appointments_person_id", "person_id", "id"),
        sa.Index("ix_appointments_host_org_id", "host_org_id", "id"),
        sa.Index("ix_appointments_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    person_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("membership.people.id"), nullable=False))
    host_org_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("membership.organizations.id"), nullable=False)
    )
    appointment_type: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    start_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    end_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
