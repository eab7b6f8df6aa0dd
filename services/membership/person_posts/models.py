"""PersonPost 社会兼职 — a person's post in a body outside the platform (a 行业职业教育教学指导委员会, an association),
with its level and period."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from services.membership.db import Base


class PostLevel(StrEnum):
    """The body's level — the designation register's levels (services/membership/designations/models.py)."""

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


class PostKind(StrEnum):
    chair = "chair"  # 主任委员/主任
    vice_chair = "vice_chair"  # 副主任委员/副主任
    member = "member"  # 委员
    secretary_general = "secretary_general"  # 秘书长
    president = "president"  # 会长/理事长
    vice_president = "vice_president"  # 副会长/副理事长
    council_member = "council_member"  # 理事/常务理事
    expert = "expert"  # 专家/成员
    other = "other"  # 其他


POST_KIND_LABELS = {
    "chair": "主任委员",
    "vice_chair": "副主任委员",
    "member": "委员",
    "secretary_general": "秘书长",
    "president": "会长",
    "vice_president": "副会长",
    "council_member": "理事",
    "expert": "专家",
    "other": "其他",
}


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in enum)


class PersonPost(Base, table=True):
    __tablename__ = "person_posts"
    __table_args__ = (
        sa.CheckConstraint(f"post_kind in ({_values(PostKind)})", name="post_kind"),
        sa.CheckConstraint(f"level in ({_values(PostLevel)})", name="level"),
        sa.CheckConstraint("until is null or until >= since", name="period"),
        sa.Index("ix_person_posts_person_id", "person_id", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    person_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("membership.people.id"), nullable=False))
    body_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    post_kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    post_title: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    level: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    since: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    until: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
