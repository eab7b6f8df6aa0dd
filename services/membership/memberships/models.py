"""Membership 成员资格 — one period of one organization in one alliance — and its events.

The events are the truth: status and role on any date are read from them. The `status`, `role`,
`joined_on` and `ended_on` columns of a membership are derived from its events in the same
transaction that appends one, so lists can filter and index on them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from chanjiao.transitions import StateMachine
from services.membership.db import Base


class MemberRole(StrEnum):
    chair = "chair"  # 理事长单位
    vice_chair = "vice_chair"  # 副理事长单位
    standing_director = "standing_director"  # 常务理事单位
    director = "director"  # 理事单位
    member = "member"  # 成员单位


ROLE_LABELS = {
    "chair": "理事长单位",
    "vice_chair": "副理事长单位",
    "standing_director": "常务理事单位",
    "director": "理事单位",
    "member": "成员单位",
}


class MembershipStatus(StrEnum):
    invited = "invited"  # 邀请: the alliance invited an existing organization; it accepts or declines
    pending = "pending"  # 申请
    active = "active"  # 批准/在册
    suspended = "suspended"  # 暂停
    rejected = "rejected"
    withdrawn = "withdrawn"  # 退出
    expelled = "expelled"  # 除名
    declined = "declined"  # 谢绝: the organization declined the invitation


LIFECYCLE = StateMachine(
    "membership",
    {
        "invited": frozenset({"active", "declined", "withdrawn"}),
        "pending": frozenset({"active", "rejected", "withdrawn"}),
        "active": frozenset({"suspended", "withdrawn", "expelled"}),
        "suspended": frozenset({"active", "withdrawn", "expelled"}),
    },
)
OPEN = ("invited", "pending", "active", "suspended")  # at most one per (org, alliance)
MEMBER = ("active", "suspended")  # suspended members are members
EXITS = ("withdrawn", "expelled")

_OPEN_SQL = "status in ('invited', 'pending', 'active', 'suspended')"


def _check(column: str, enum: type[StrEnum], nullable: bool = False) -> sa.CheckConstraint:
    values = ", ".join(repr(v.value) for v in enum)
    cond = f"{column} in ({values})"
    return sa.CheckConstraint(f"{column} is null or {cond}" if nullable else cond, name=column)


class Membership(Base, table=True):
    __tablename__ = "memberships"
    __table_args__ = (
        _check("role", MemberRole),
        _check("status", MembershipStatus),
        sa.Index("uq_memberships_open", "org_id", "alliance_id", unique=True, postgresql_where=sa.text(_OPEN_SQL)),
        sa.Index(
            "uq_memberships_chair",
            "alliance_id",
            unique=True,
            postgresql_where=sa.text("role = 'chair' and status in ('active', 'suspended')"),
        ),
        sa.Index("ix_memberships_alliance", "alliance_id", "id"),
        sa.Index("ix_memberships_alliance_status_role", "alliance_id", "status", "role"),
        sa.Index("ix_memberships_alliance_period", "alliance_id", "joined_on", "ended_on"),
        sa.Index("ix_memberships_org", "org_id", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=False))
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False))
    role: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    applied_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    joined_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    ended_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    latest_effective_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class MembershipEvent(Base, table=True):
    """One change of status and/or role, kept forever: {from, to, role, effective_on, reason, actor}."""

    __tablename__ = "membership_events"
    __table_args__ = (
        _check("from_status", MembershipStatus, nullable=True),
        _check("to_status", MembershipStatus),
        sa.UniqueConstraint("membership_id", "seq"),
        sa.Index("ix_membership_events_asof", "membership_id", "effective_on", "seq"),
        sa.Index("ix_membership_events_alliance_day", "alliance_id", "effective_on"),
    )

    id: uuid.UUID = Field(primary_key=True)
    membership_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("memberships.id"), nullable=False))
    alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))  # copied: period queries per alliance
    seq: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    from_status: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    to_status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    from_role: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    to_role: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    effective_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # the meeting (and its resolution) that decided the change (services/membership/meetings/)
    meeting_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("meetings.id"), nullable=True)
    )
    resolution_no: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    actor: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    recorded_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
