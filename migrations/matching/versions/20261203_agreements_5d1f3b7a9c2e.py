"""Agreements 校企合作协议: the agreement, its parties, dated lifecycle events, milestones and the funding ledger

`agreements.paid_total` is the sum of the agreement's payments, raised in the same transaction as each payment, under
`CHECK (paid_total <= committed_amount)`: payments never exceed the commitment (services/matching/agreements/ledger.py).
Money is `numeric(14,2)`. `proposal_id`, `demand_id` and `offer_id` are plain uuid columns without foreign keys until
those tables exist in this schema.

Revision ID: 5d1f3b7a9c2e
Revises: 5d1a7c3e9b2f
Create Date: 2026-12-03 16:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "5d1f3b7a9c2e"
down_revision = "5d1a7c3e9b2f"
branch_labels = None
depends_on = None

S = "matching"
KINDS = (
    "order_class",
    "apprenticeship",
    "internship_base",
    "co_built_base",
    "industry_college",
    "rnd_project",
    "training_service",
    "dual_appointment",
)
STATUSES = ("draft", "signed", "active", "completed", "terminated")
ROLES = ("school", "enterprise", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} in ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("planned_students", sa.Integer(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("latest_effective_on", sa.Date(), nullable=True),
        sa.Column("committed_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("payer_org_id", sa.Uuid(), nullable=True),
        sa.Column("paid_total", sa.Numeric(14, 2), nullable=False),
        sa.Column(
            "appointment_ids", postgresql.ARRAY(sa.Uuid()), server_default=sa.text("'{}'::uuid[]"), nullable=False
        ),
        sa.Column("proposal_id", sa.Uuid(), nullable=True),
        sa.Column("demand_id", sa.Uuid(), nullable=True),
        sa.Column("offer_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("kind", KINDS), name=op.f("ck_agreements_kind")),
        sa.CheckConstraint(_in("status", STATUSES), name=op.f("ck_agreements_status")),
        sa.CheckConstraint("period_end is null or period_end >= period_start", name=op.f("ck_agreements_period")),
        sa.CheckConstraint(
            "planned_students is null or planned_students >= 0", name=op.f("ck_agreements_planned_students")
        ),
        sa.CheckConstraint("committed_amount >= 0", name=op.f("ck_agreements_committed_amount")),
        sa.CheckConstraint("paid_total >= 0", name=op.f("ck_agreements_paid_total")),
        sa.CheckConstraint("paid_total <= committed_amount", name=op.f("ck_agreements_paid_within_commitment")),
        sa.CheckConstraint(
            "(kind = 'dual_appointment') = (cardinality(appointment_ids) > 0)",
            name=op.f("ck_agreements_appointments_of_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        schema=S,
    )
    op.create_index("ix_agreements_alliance_id", "agreements", ["alliance_id", "id"], schema=S)
    op.create_index("ix_agreements_proposal_id", "agreements", ["proposal_id"], schema=S)
    op.create_table(
        "agreement_parties",
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(_in("role", ROLES), name=op.f("ck_agreement_parties_role")),
        sa.ForeignKeyConstraint(
            ["agreement_id"], [f"{S}.agreements.id"], name=op.f("fk_agreement_parties_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "org_id", name=op.f("pk_agreement_parties")),
        schema=S,
    )
    op.create_index("ix_agreement_parties_org_id", "agreement_parties", ["org_id", "agreement_id"], schema=S)
    op.create_table(
        "agreement_events",
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=True),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], [f"{S}.agreements.id"], name=op.f("fk_agreement_events_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "seq", name=op.f("pk_agreement_events")),
        schema=S,
    )
    op.create_table(
        "agreement_milestones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], [f"{S}.agreements.id"], name=op.f("fk_agreement_milestones_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_milestones")),
        schema=S,
    )
    op.create_index("ix_agreement_milestones_agreement_id", "agreement_milestones", ["agreement_id", "id"], schema=S)
    op.create_table(
        "agreement_payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("payer_org_id", sa.Uuid(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_agreement_payments_amount")),
        sa.ForeignKeyConstraint(
            ["agreement_id"], [f"{S}.agreements.id"], name=op.f("fk_agreement_payments_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_payments")),
        schema=S,
    )
    op.create_index(
        "ix_agreement_payments_agreement_id", "agreement_payments", ["agreement_id", "paid_on", "id"], schema=S
    )


def downgrade() -> None:
    op.drop_table("agreement_payments", schema=S)
    op.drop_table("agreement_milestones", schema=S)
    op.drop_table("agreement_events", schema=S)
    op.drop_table("agreement_parties", schema=S)
    op.drop_table("agreements", schema=S)
