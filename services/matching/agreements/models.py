"""Agreement 校企合作协议 — the tables: the agreement, its parties, its dated lifecycle events, its milestones and
the payments of its funding ledger.

The ledger's rule "payments never exceed the commitment" is the database's: `paid_total` on the agreement is the
sum of its payments, raised in SQL (`paid_total = paid_total + amount`) in the same transaction as each payment's
insert, under
`CHECK (paid_total <= committed_amount)`. A payment locks its agreement row first (`SELECT … FOR UPDATE`), so two
concurrent payments are serialized: the second sees the first's total and is refused when together they exceed
(services/matching/agreements/payments.py).

`proposal_id`, `demand_id` and `offer_id` name the proposal that created the agreement and its demand and offer;
the database keys them to those tables (migrations/matching/versions/20261203_proposals_jobs_7a2c4e6b8d0f.py), the
model keeps them plain so this noun imports none of theirs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field

from chanjiao.transitions import StateMachine
from services.matching.db import Base

MONEY = sa.Numeric(14, 2)


class AgreementKind(StrEnum):
    order_class = "order_class"  # 订单班
    apprenticeship = "apprenticeship"  # 现代学徒制
    internship_base = "internship_base"  # 实习基地
    co_built_base = "co_built_base"  # 共建实训基地
    industry_college = "industry_college"  # 产业学院
    rnd_project = "rnd_project"  # 技术研发项目
    training_service = "training_service"  # 培训服务
    dual_appointment = "dual_appointment"  # 双栖双聘


KIND_LABELS = {
    "order_class": "订单班",
    "apprenticeship": "现代学徒制",
    "internship_base": "实习基地",
    "co_built_base": "共建实训基地",
    "industry_college": "产业学院",
    "rnd_project": "技术研发项目",
    "training_service": "培训服务",
    "dual_appointment": "双栖双聘",
}


class AgreementStatus(StrEnum):
    draft = "draft"  # 草拟
    signed = "signed"  # 已签署
    active = "active"  # 执行中
    completed = "completed"  # 已完成
    terminated = "terminated"  # 已终止


class PartyRole(StrEnum):
    school = "school"
    enterprise = "enterprise"
    other = "other"  # an industry association, a government body, a research institute …


LIFECYCLE = StateMachine(
    "agreement",
    {
        "draft": frozenset({"signed", "terminated"}),
        "signed": frozenset({"active", "terminated"}),
        "active": frozenset({"completed", "terminated"}),
    },
)
# States in which money moves: once signed, until (and after) completion; never on a draft or a terminated one.
PAYABLE = ("signed", "active", "completed")
# States in which the agreement's own fields (title, period, commitment …) may still change.
EDITABLE = ("draft", "signed", "active")


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} in ({', '.join(repr(v.value) for v in enum)})"


class Agreement(Base, table=True):
    __tablename__ = "agreements"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", AgreementKind), name="kind"),
        sa.CheckConstraint(_in("status", AgreementStatus), name="status"),
        sa.CheckConstraint("period_end is null or period_end >= period_start", name="period"),
        sa.CheckConstraint("planned_students is null or planned_students >= 0", name="planned_students"),
        sa.CheckConstraint("committed_amount >= 0", name="committed_amount"),
        sa.CheckConstraint("paid_total >= 0", name="paid_total"),
        sa.CheckConstraint("paid_total <= committed_amount", name="paid_within_commitment"),
        sa.CheckConstraint(
            "(kind = 'dual_appointment') = (cardinality(appointment_ids) > 0)", name="appointments_of_kind"
        ),
        sa.Index("ix_agreements_alliance_id", "alliance_id", "id"),
        sa.Index("ix_agreements_proposal_id", "proposal_id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    alliance_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    period_start: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    period_end: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    planned_students: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    signed_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    latest_effective_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    committed_amount: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    payer_org_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    paid_total: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    # 双栖双聘: membership appointments (`/v1/appointments/{id}`) by id only — never a copy of their data.
    appointment_ids: list[uuid.UUID] = Field(
        sa_column=sa.Column(postgresql.ARRAY(sa.Uuid), nullable=False, server_default=sa.text("'{}'::uuid[]"))
    )
    # Where the agreement came from (a proposal's acceptance); foreign keys in the database only.
    proposal_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    demand_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    offer_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class AgreementParty(Base, table=True):
    """One organization party to an agreement, with its role; `position` keeps the order they were given in."""

    __tablename__ = "agreement_parties"
    __table_args__ = (
        sa.CheckConstraint(_in("role", PartyRole), name="role"),
        sa.Index("ix_agreement_parties_org_id", "org_id", "agreement_id"),
    )

    agreement_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("matching.agreements.id"), primary_key=True)
    )
    org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, primary_key=True))
    role: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    position: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))


class AgreementEvent(Base, table=True):
    """One dated lifecycle step (the creation as draft is seq 1)."""

    __tablename__ = "agreement_events"

    agreement_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("matching.agreements.id"), primary_key=True)
    )
    seq: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True))
    from_status: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    to_status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    effective_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    actor: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    recorded_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class AgreementMilestone(Base, table=True):
    __tablename__ = "agreement_milestones"
    __table_args__ = (sa.Index("ix_agreement_milestones_agreement_id", "agreement_id", "id"),)

    id: uuid.UUID = Field(primary_key=True)
    agreement_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("matching.agreements.id"), nullable=False)
    )
    title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    due_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    done_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class AgreementPayment(Base, table=True):
    """One dated payment (append-only). Its amount is added to the agreement's `paid_total` in the same
    transaction."""

    __tablename__ = "agreement_payments"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount"),
        sa.Index("ix_agreement_payments_agreement_id", "agreement_id", "paid_on", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    agreement_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("matching.agreements.id"), nullable=False)
    )
    amount: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    paid_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    payer_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    recorded_by: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    # A payment is never changed: `updated_at` is its `created_at`, for the list's `updated_since` (docs/sync.md).
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
