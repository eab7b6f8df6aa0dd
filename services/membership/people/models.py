"""Person 人员 — the table. The phone is personal data: only its ciphertext and masked form are stored."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.membership.db import Base


class SkillLevel(StrEnum):
    """职业技能等级 (国家职业技能标准): 五级 is the entry level, 一级 the highest of the five grades; above them
    the new eight-level ladder's 特级技师 and 首席技师, which enterprises appoint (聘任)."""

    level_5 = "level_5"  # 五级/初级工
    level_4 = "level_4"  # 四级/中级工
    level_3 = "level_3"  # 三级/高级工
    level_2 = "level_2"  # 二级/技师
    level_1 = "level_1"  # 一级/高级技师
    special_technician = "special_technician"  # 特级技师
    chief_technician = "chief_technician"  # 首席技师


SKILL_LEVEL_LABELS = {
    "level_5": "五级/初级工",
    "level_4": "四级/中级工",
    "level_3": "三级/高级工",
    "level_2": "二级/技师",
    "level_1": "一级/高级技师",
    "special_technician": "特级技师",
    "chief_technician": "首席技师",
}


class PersonTag(StrEnum):
    dual_qualified = "dual_qualified"  # 双师型
    skill_master = "skill_master"  # 技能大师
    craftsman = "craftsman"  # 工匠
    expert = "expert"  # 专家


TAG_LABELS = {"dual_qualified": "双师型", "skill_master": "技能大师", "craftsman": "工匠", "expert": "专家"}


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in enum)


class Person(Base, table=True):
    __tablename__ = "people"
    __table_args__ = (
        sa.CheckConstraint(f"skill_level in ({_values(SkillLevel)})", name="skill_level"),
        sa.CheckConstraint(f"tags <@ array[{_values(PersonTag)}]::text[]", name="tags"),
        sa.CheckConstraint("(phone_ciphertext is null) = (phone_masked is null)", name="phone_pair"),
        sa.Index("ix_people_org_id", "org_id", "id"),
        sa.Index("ix_people_tags", "tags", postgresql_using="gin"),
        sa.Index("ix_people_name_bigrams", "name_bigrams", postgresql_using="gin"),
        sa.Index("ix_people_updated_at", "updated_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # Overlapping two-character pieces of the name (GIN): `q` finds any part of a name.
    name_bigrams: list[str] = Field(sa_column=sa.Column(ARRAY(sa.Text), nullable=False))
    org_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("membership.organizations.id"), nullable=False)
    )
    title: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    skill_level: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    tags: list[str] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.Text), nullable=False, server_default="{}")
    )
    # AES-GCM ciphertext (chanjiao.crypto), bound to this row's id; the clear number is never stored.
    phone_ciphertext: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    # What every reader sees (138****5678), kept so reads never need the key.
    phone_masked: str | None = Field(default=None, sa_column=sa.Column(sa.String(11), nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
