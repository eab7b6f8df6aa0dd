"""Proposals 合作意向 (services/matching/proposals/models.py), the job runner's table (chanjiao/db.py `jobs_table`,
for the proposal expiry job) and the foreign keys from agreements to the proposal, demand and offer they came from

At most one pending proposal per (demand, offer): a partial unique index.

Revision ID: 7a2c4e6b8d0f
Revises: 7b3d5f9a1c4e
Create Date: 2026-12-03 17:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "7a2c4e6b8d0f"
down_revision = "7b3d5f9a1c4e"
branch_labels = None
depends_on = None

S = "matching"
STATUSES = "'pending', 'accepted', 'declined', 'withdrawn', 'expired'"
AGREEMENT_FKS = (("proposal_id", "proposals"), ("demand_id", "demands"), ("offer_id", "offers"))


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status in ('pending', 'running', 'done', 'failed')", name=op.f("ck_jobs_status")),
        sa.CheckConstraint("status <> 'running' or claimed_until is not null", name=op.f("ck_jobs_claim")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("name", "key", name=op.f("uq_jobs_name_key")),
        schema=S,
    )
    op.create_index(
        "ix_jobs_due",
        "jobs",
        ["run_at", "id"],
        unique=False,
        schema=S,
        postgresql_where=sa.text("status in ('pending', 'running')"),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("demand_id", sa.Uuid(), nullable=False),
        sa.Column("offer_id", sa.Uuid(), nullable=False),
        sa.Column("demand_org_id", sa.Uuid(), nullable=False),
        sa.Column("offer_org_id", sa.Uuid(), nullable=False),
        sa.Column("proposer_org_id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("agreement_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status in ({STATUSES})", name=op.f("ck_proposals_status")),
        sa.CheckConstraint("demand_org_id <> offer_org_id", name=op.f("ck_proposals_different_orgs")),
        sa.CheckConstraint(
            "proposer_org_id in (demand_org_id, offer_org_id)", name=op.f("ck_proposals_proposer_is_a_party")
        ),
        sa.CheckConstraint(
            "(status = 'accepted') = (agreement_id is not null)", name=op.f("ck_proposals_agreement_of_acceptance")
        ),
        sa.ForeignKeyConstraint(["demand_id"], [f"{S}.demands.id"], name=op.f("fk_proposals_demand_id_demands")),
        sa.ForeignKeyConstraint(["offer_id"], [f"{S}.offers.id"], name=op.f("fk_proposals_offer_id_offers")),
        sa.ForeignKeyConstraint(
            ["agreement_id"], [f"{S}.agreements.id"], name=op.f("fk_proposals_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        schema=S,
    )
    op.create_index(
        "uq_proposals_pending_pair",
        "proposals",
        ["demand_id", "offer_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_proposals_demand_org_id", "proposals", ["demand_org_id", "id"], schema=S)
    op.create_index("ix_proposals_offer_org_id", "proposals", ["offer_org_id", "id"], schema=S)
    op.create_index(
        "ix_proposals_pending_created_at",
        "proposals",
        ["created_at"],
        schema=S,
        postgresql_where=sa.text("status = 'pending'"),
    )
    # Synced like demands and offers: `txid` written by the trigger of matching.set_txid() (chanjiao/sync.py).
    op.execute(f"ALTER TABLE {S}.proposals ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
    op.execute(f"CREATE INDEX ix_proposals_txid ON {S}.proposals (txid, id)")
    op.execute(
        f"CREATE TRIGGER proposals_txid BEFORE INSERT OR UPDATE ON {S}.proposals "
        f"FOR EACH ROW EXECUTE FUNCTION {S}.set_txid()"
    )
    for column, table in AGREEMENT_FKS:
        op.create_foreign_key(
            f"fk_agreements_{column}_{table}", "agreements", table, [column], ["id"], source_schema=S, referent_schema=S
        )


def downgrade() -> None:
    for column, table in AGREEMENT_FKS:
        op.drop_constraint(f"fk_agreements_{column}_{table}", "agreements", schema=S, type_="foreignkey")
    op.execute(f"DROP TRIGGER proposals_txid ON {S}.proposals")
    op.drop_table("proposals", schema=S)
    op.drop_index("ix_jobs_due", table_name="jobs", schema=S)
    op.drop_table("jobs", schema=S)
