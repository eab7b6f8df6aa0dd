"""Hire 招录 — one graduate or apprentice taken on by an employer: recorded by one party (the school or the employer)
and confirmed or disputed by the other — and the graduate counts a school supplies per year, from which the
employment rate and 对口率 are figured (docs/matching-hires.md).

No ID number or phone is stored: a person is a name and, optionally, the id of the school's training learner record
(`learner_id`, services/training — a plain uuid, no cross-service key)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from chanjiao.transitions import StateMachine
from services.matching.db import Base


class HireChannel(StrEnum):
    order_class = "order_class"  # 订单班
    apprenticeship = "apprenticeship"  # 学徒制
    agreement = "agreement"  # 其他校企合作协议
    demand = "demand"  # 平台需求（招聘）
    other = "other"  # 其他（自主求职等）


CHANNEL_LABELS = {
    "order_class": "订单班",
    "apprenticeship": "学徒制",
    "agreement": "合作协议",
    "demand": "平台需求",
    "other": "其他",
}


class HireStatus(StrEnum):
    recorded = "recorded"  # 已登记，待对方确认
    confirmed = "confirmed"  # 对方已确认
    disputed = "disputed"  # 对方有异议


STATUS_LABELS = {"recorded": "待确认", "confirmed": "已确认", "disputed": "有异议"}

LIFECYCLE = StateMachine("hire", {"recorded": frozenset({"confirmed", "disputed"})})


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} in ({', '.join(repr(v.value) for v in enum)})"


class Hire(Base, table=True):
    __tablename__ = "hires"
    __table_args__ = (
        sa.CheckConstraint(_in("channel", HireChannel), name="channel"),
        sa.CheckConstraint(_in("status", HireStatus), name="status"),
        sa.CheckConstraint("school_org_id <> employer_org_id", name="different_orgs"),
        sa.CheckConstraint("recorded_by_org_id in (school_org_id, employer_org_id)", name="recorder_is_a_party"),
        sa.CheckConstraint("channel <> 'demand' or demand_id is not null", name="demand_of_channel"),
        sa.CheckConstraint("channel <> 'agreement' or agreement_id is not null", name="agreement_of_channel"),
        # The same person taken on by the same employer from the same school on the same day is one hire.
        sa.UniqueConstraint("school_org_id", "employer_org_id", "person_name", "hired_on", name="uq_hires_person_day"),
        sa.Index("ix_hires_school_org_id", "school_org_id", "hired_on"),
        sa.Index("ix_hires_employer_org_id", "employer_org_id", "hired_on"),
    )

    id: uuid.UUID = Field(primary_key=True)
    person_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    learner_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    school_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    employer_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    recorded_by_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    hired_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    post: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    channel: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    demand_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("demands.id"), nullable=True)
    )
    agreement_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("agreements.id"), nullable=True)
    )
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
    answered_by: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class GraduateCount(Base, table=True):
    """A school's graduates of one year (毕业生数) and, when it knows it, how many of them work in their field
    (对口就业人数) — supplied by the school, never derived."""

    __tablename__ = "hire_graduate_counts"
    __table_args__ = (
        sa.CheckConstraint("graduates >= 0", name="graduates"),
        sa.CheckConstraint("in_field is null or (in_field >= 0 and in_field <= graduates)", name="in_field"),
        sa.CheckConstraint("year between 1950 and 2100", name="year"),
        sa.UniqueConstraint("org_id", "year", name="uq_hire_graduate_counts_org_year"),
    )

    id: uuid.UUID = Field(primary_key=True)
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    year: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    graduates: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    in_field: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
