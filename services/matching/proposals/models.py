"""Proposal 合作意向 — one party's offer to work together on a (demand, offer) pair, answered by the other party
(docs/matching-proposals.md).

The parties are copied from the demand and the offer when the proposal is made (`demand_org_id`, `offer_org_id`,
`alliance_id`): a posting never changes owner, so the copies stay true, and reads filter on them without touching
the postings' tables. At most one `pending` proposal per (demand, offer) pair: a partial unique index."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from chanjiao.transitions import StateMachine
from services.matching.db import Base


class ProposalStatus(StrEnum):
    pending = "pending"  # 待答复
    accepted = "accepted"  # 已接受
    declined = "declined"  # 已拒绝
    withdrawn = "withdrawn"  # 已撤回
    expired = "expired"  # 已过期


STATUS_LABELS = {
    "pending": "待答复",
    "accepted": "已接受",
    "declined": "已拒绝",
    "withdrawn": "已撤回",
    "expired": "已过期",
}

# pending is the only state with a way out; every answer is final.
LIFECYCLE = StateMachine("proposal", {"pending": frozenset({"accepted", "declined", "withdrawn", "expired"})})


class Direction(StrEnum):
    sent = "sent"  # made by the caller's organization
    received = "received"  # made to the caller's organization


class Proposal(Base, table=True):
    __tablename__ = "proposals"
    __table_args__ = (
        sa.CheckConstraint("status in ('pending', 'accepted', 'declined', 'withdrawn', 'expired')", name="status"),
        sa.CheckConstraint("demand_org_id <> offer_org_id", name="different_orgs"),
        sa.CheckConstraint("proposer_org_id in (demand_org_id, offer_org_id)", name="proposer_is_a_party"),
        sa.CheckConstraint("(status = 'accepted') = (agreement_id is not null)", name="agreement_of_acceptance"),
        sa.Index(
            "uq_proposals_pending_pair",
            "demand_id",
            "offer_id",
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_proposals_demand_org_id", "demand_org_id", "id"),
        sa.Index("ix_proposals_offer_org_id", "offer_org_id", "id"),
        sa.Index("ix_proposals_pending_created_at", "created_at", postgresql_where=sa.text("status = 'pending'")),
    )

    id: uuid.UUID = Field(primary_key=True)
    demand_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("demands.id"), nullable=False))
    offer_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("offers.id"), nullable=False))
    demand_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))  # the enterprise
    offer_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))  # the school
    proposer_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    # The demand's alliance (its admins read the proposal).
    alliance_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    message: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
    answered_by: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # The agreement its acceptance created.
    agreement_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("agreements.id"), nullable=True)
    )
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
