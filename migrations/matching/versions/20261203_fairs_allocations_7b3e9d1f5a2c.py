"""Fairs 供需对接会 and their registrations; allocation runs and their assignments, large ones run in the background on
the job runner's table of the proposals revision (docs/matching-fairs-allocations.md).
Fairs and registrations sync by a trigger-written `txid` (chanjiao/sync.py)

Revision ID: 7b3e9d1f5a2c
Revises: 8b3d5f7a9c1e
Create Date: 2026-12-03 17:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "7b3e9d1f5a2c"
down_revision = "8b3d5f7a9c1e"
branch_labels = None
depends_on = None

S = "matching"
SYNCED = ("fairs", "fair_registrations")


def upgrade() -> None:
    op.create_table(
        "fairs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organizer_org_id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("region_code", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status in ('planned', 'open', 'closed')", name=op.f("ck_fairs_status")),
        sa.CheckConstraint("period_end is null or period_end >= held_on", name=op.f("ck_fairs_period")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fairs")),
        schema=S,
    )
    op.create_index("ix_fairs_alliance_id", "fairs", ["alliance_id", "id"], schema=S)
    op.create_index("ix_fairs_organizer_org_id", "fairs", ["organizer_org_id", "id"], schema=S)
    op.create_table(
        "fair_registrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("fair_id", sa.Uuid(), nullable=False),
        sa.Column("demand_id", sa.Uuid(), nullable=True),
        sa.Column("offer_id", sa.Uuid(), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(demand_id is null) <> (offer_id is null)", name=op.f("ck_fair_registrations_one_posting")),
        sa.ForeignKeyConstraint(["fair_id"], [f"{S}.fairs.id"], name=op.f("fk_fair_registrations_fair_id_fairs")),
        sa.ForeignKeyConstraint(
            ["demand_id"], [f"{S}.demands.id"], name=op.f("fk_fair_registrations_demand_id_demands")
        ),
        sa.ForeignKeyConstraint(["offer_id"], [f"{S}.offers.id"], name=op.f("fk_fair_registrations_offer_id_offers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fair_registrations")),
        schema=S,
    )
    op.create_index("ix_fair_registrations_fair_id", "fair_registrations", ["fair_id", "id"], schema=S)
    op.create_index(
        "uq_fair_registrations_demand",
        "fair_registrations",
        ["fair_id", "demand_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("demand_id is not null and withdrawn_at is null"),
    )
    op.create_index(
        "uq_fair_registrations_offer",
        "fair_registrations",
        ["fair_id", "offer_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("offer_id is not null and withdrawn_at is null"),
    )
    # Fairs and registrations sync like demands and offers: `txid xid8` written by the trigger `<table>_txid` with the
    # function `matching.set_txid()` (created by the demands and offers revision), indexed `(txid, id)`.
    for table in SYNCED:
        op.execute(f"ALTER TABLE {S}.{table} ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
        op.execute(f"CREATE INDEX ix_{table}_txid ON {S}.{table} (txid, id)")
        op.execute(
            f"CREATE TRIGGER {table}_txid BEFORE INSERT OR UPDATE ON {S}.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION {S}.set_txid()"
        )
    op.create_table(
        "allocations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope_kind", sa.Text(), nullable=False),
        sa.Column("scope", postgresql.JSONB(), nullable=False),
        sa.Column("top_k", sa.Integer(), nullable=True),
        sa.Column("min_points", sa.Integer(), nullable=False),
        sa.Column("owner_org_id", sa.Uuid(), nullable=True),
        sa.Column("alliance_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("phase", sa.Text(), nullable=False),
        sa.Column("pairs_total", sa.Integer(), nullable=False),
        sa.Column("pairs_scored", sa.Integer(), nullable=False),
        sa.Column("demands", sa.Integer(), nullable=False),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("objective", sa.BigInteger(), nullable=True),
        sa.Column("greedy_objective", sa.BigInteger(), nullable=True),
        sa.Column("result", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status in ('queued', 'running', 'done', 'failed')", name=op.f("ck_allocations_status")),
        sa.CheckConstraint(
            "scope_kind in ('fair', 'alliance', 'region', 'ids')", name=op.f("ck_allocations_scope_kind")
        ),
        sa.CheckConstraint("status <> 'done' or result is not null", name=op.f("ck_allocations_done_result")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
        schema=S,
    )
    op.create_index("ix_allocations_owner_org_id", "allocations", ["owner_org_id", "id"], schema=S)
    op.create_index("ix_allocations_alliance_id", "allocations", ["alliance_id", "id"], schema=S)
    op.create_table(
        "allocation_assignments",
        sa.Column("allocation_id", sa.Uuid(), nullable=False),
        sa.Column("demand_id", sa.Uuid(), nullable=False),
        sa.Column("offer_id", sa.Uuid(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 1", name=op.f("ck_allocation_assignments_count")),
        sa.CheckConstraint("points between 0 and 1000", name=op.f("ck_allocation_assignments_points")),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            [f"{S}.allocations.id"],
            name=op.f("fk_allocation_assignments_allocation_id_allocations"),
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"], [f"{S}.demands.id"], name=op.f("fk_allocation_assignments_demand_id_demands")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], [f"{S}.offers.id"], name=op.f("fk_allocation_assignments_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("allocation_id", "demand_id", "offer_id", name=op.f("pk_allocation_assignments")),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("allocation_assignments", schema=S)
    op.drop_index("ix_allocations_alliance_id", table_name="allocations", schema=S)
    op.drop_index("ix_allocations_owner_org_id", table_name="allocations", schema=S)
    op.drop_table("allocations", schema=S)
    for table in SYNCED:
        op.execute(f"DROP TRIGGER {table}_txid ON {S}.{table}")
    op.drop_table("fair_registrations", schema=S)
    op.drop_index("ix_fairs_organizer_org_id", table_name="fairs", schema=S)
    op.drop_index("ix_fairs_alliance_id", table_name="fairs", schema=S)
    op.drop_table("fairs", schema=S)
