"""Training base 实训基地 — the table."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.training.db import Base


class BaseKind(StrEnum):
    on_campus = "on_campus"  # 校内实训基地
    off_campus = "off_campus"  # 校外实训基地
    public = "public"  # 公共实训基地
    productive = "productive"  # 生产性实训基地
    virtual = "virtual"  # 虚拟仿真实训基地


KIND_LABELS = {
    "on_campus": "校内实训基地",
    "off_campus": "校外实训基地",
    "public": "公共实训基地",
    "productive": "生产性实训基地",
    "virtual": "虚拟仿真实训基地",
}


class BaseLevel(StrEnum):
    national = "national"  # 国家级
    provincial = "provincial"  # 省级
    municipal = "municipal"  # 市级
    school = "school"  # 校级


LEVEL_LABELS = {"national": "国家级", "provincial": "省级", "municipal": "市级", "school": "校级"}


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in enum)


class TrainingBase(Base, table=True):
    __tablename__ = "training_bases"
    __table_args__ = (
        sa.CheckConstraint(f"kind in ({_values(BaseKind)})", name="kind"),
        sa.CheckConstraint(f"level is null or level in ({_values(BaseLevel)})", name="level"),
        sa.CheckConstraint("stations is null or stations >= 0", name="stations"),
        sa.CheckConstraint("persons_per_day is null or persons_per_day >= 0", name="persons_per_day"),
        sa.CheckConstraint("closed_on is null or established_on is null or closed_on > established_on", name="dates"),
        sa.Index("ix_training_bases_owner_org_id", "owner_org_id", "id"),
        sa.Index("ix_training_bases_updated_at", "updated_at", "id"),
        sa.Index("ix_training_bases_major_codes", "major_codes", postgresql_using="gin"),
    )

    id: uuid.UUID = Field(primary_key=True)
    owner_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    level: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    stations: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    persons_per_day: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    major_codes: list[str] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.Text), nullable=False, server_default="{}")
    )
    shared: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default="false"))
    # In operation from `established_on` (unknown: since before any period asked about) until the day before
    # `closed_on` (none: still open). The figures count the bases open on `period_end`.
    established_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    closed_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


class CoBuilderRole(StrEnum):
    co_builder = "co_builder"  # 共建单位


CO_BUILDER_ROLE_LABELS = {"co_builder": "共建单位"}


class TrainingBaseCoBuilder(Base, table=True):
    """An organization that co-builds a training base with its owner (共建): what it put in — money (CNY), its share
    of the base, in-kind contributions — and since when. The owner writes the list; the co-builders read it."""

    __tablename__ = "training_base_co_builders"
    __table_args__ = (
        sa.CheckConstraint(f"role in ({_values(CoBuilderRole)})", name="role"),
        sa.CheckConstraint("investment_cny is null or investment_cny >= 0", name="investment_cny"),
        sa.CheckConstraint("share_percent is null or (share_percent > 0 and share_percent <= 100)", name="share"),
        sa.Index(
            "uq_training_base_co_builders_base_org",
            "base_id",
            "org_id",
            unique=True,
            postgresql_where=sa.text("deleted_at IS NULL"),
        ),
        sa.Index("ix_training_base_co_builders_org_id", "org_id", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    base_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.training_bases.id"), nullable=False)
    )
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    role: str = Field(sa_column=sa.Column(sa.Text, nullable=False, server_default="co_builder"))
    investment_cny: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(16, 2), nullable=True))
    share_percent: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(5, 2), nullable=True))
    in_kind: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    since: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
