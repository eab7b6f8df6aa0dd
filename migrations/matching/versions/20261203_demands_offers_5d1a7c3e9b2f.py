"""Demands and offers: the two kinds of posting on the matching market, each with its dated status history
(services/matching/demands/models.py, services/matching/offers/models.py), synced by a trigger-written `txid`

Both tables carry `txid xid8` set by the trigger `<table>_txid` (function `matching.set_txid()`) on every insert
and update, with the index `ix_<table>_txid (txid, id)` the incremental pull walks (chanjiao/sync.py).

Revision ID: 5d1a7c3e9b2f
Revises: c044182b9d56
Create Date: 2026-12-03 16:15:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "5d1a7c3e9b2f"
down_revision = "c044182b9d56"
branch_labels = None
depends_on = None

SCHEMA = "matching"
STATUSES = "'draft', 'open', 'matched', 'closed', 'cancelled'"
LEVELS = "'any', 'junior_secondary', 'voc_secondary', 'voc_associate', 'voc_bachelor', 'bachelor', 'postgraduate'"
KINDS = {
    "demands": "'order_class', 'apprenticeship', 'internship', 'employment', 'training', 'rnd', 'co_built_base'",
    "offers": "'graduates', 'interns', 'training_capacity', 'rnd_expertise', 'base_capacity'",
}


def _posting_columns(table: str) -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("occupation_codes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("major_codes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("education_level", sa.Text(), nullable=False),
        sa.Column("region_code", sa.Text(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("alliance_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("status_changed_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"kind in ({KINDS[table]})", name=op.f(f"ck_{table}_kind")),
        sa.CheckConstraint(f"status in ({STATUSES})", name=op.f(f"ck_{table}_status")),
        sa.CheckConstraint(f"education_level in ({LEVELS})", name=op.f(f"ck_{table}_education_level")),
        sa.CheckConstraint(
            "period_end is null or period_start is null or period_end >= period_start", name=op.f(f"ck_{table}_period")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _indexes(table: str) -> None:
    op.create_index(f"ix_{table}_org_id", table, ["org_id", "id"], schema=SCHEMA)
    op.create_index(f"ix_{table}_alliance_id", table, ["alliance_id", "id"], schema=SCHEMA)
    op.create_index(f"ix_{table}_status_kind", table, ["status", "kind"], schema=SCHEMA)
    op.create_index(
        f"ix_{table}_region_code",
        table,
        ["region_code"],
        schema=SCHEMA,
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.create_index(f"ix_{table}_major_codes", table, ["major_codes"], schema=SCHEMA, postgresql_using="gin")
    op.create_index(f"ix_{table}_occupation_codes", table, ["occupation_codes"], schema=SCHEMA, postgresql_using="gin")
    op.create_index(f"ix_{table}_updated_at", table, ["updated_at", "id"], schema=SCHEMA)


def _history(table: str, parent: str, key: str) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(key, sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=False),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"from_status in ({STATUSES})", name=op.f(f"ck_{table}_from_status")),
        sa.CheckConstraint(f"to_status in ({STATUSES})", name=op.f(f"ck_{table}_to_status")),
        sa.ForeignKeyConstraint([key], [f"{SCHEMA}.{parent}.id"], name=op.f(f"fk_{table}_{key}_{parent}")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint(key, "seq", name=op.f(f"uq_{table}_{key}_seq")),
        schema=SCHEMA,
    )


def upgrade() -> None:
    op.create_table(
        "demands",
        *_posting_columns("demands"),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column(
            "preferred_certificates",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("deadline_on", sa.Date(), nullable=True),
        sa.CheckConstraint("headcount >= 1", name=op.f("ck_demands_headcount")),
        schema=SCHEMA,
    )
    _indexes("demands")
    op.create_table(
        "offers",
        *_posting_columns("offers"),
        sa.Column("cohort_year", sa.Integer(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 1", name=op.f("ck_offers_count")),
        sa.CheckConstraint(
            "cohort_year is null or cohort_year between 1949 and 2100", name=op.f("ck_offers_cohort_year")
        ),
        schema=SCHEMA,
    )
    _indexes("offers")
    _history("demand_transitions", "demands", "demand_id")
    _history("offer_transitions", "offers", "offer_id")
    op.execute(
        f"CREATE FUNCTION {SCHEMA}.set_txid() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.txid := pg_current_xact_id(); RETURN NEW; END $$"
    )
    for table in ("demands", "offers"):
        op.execute(f"ALTER TABLE {SCHEMA}.{table} ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
        op.execute(f"CREATE INDEX ix_{table}_txid ON {SCHEMA}.{table} (txid, id)")
        op.execute(
            f"CREATE TRIGGER {table}_txid BEFORE INSERT OR UPDATE ON {SCHEMA}.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.set_txid()"
        )


def downgrade() -> None:
    for table in ("demands", "offers"):
        op.execute(f"DROP TRIGGER {table}_txid ON {SCHEMA}.{table}")
    op.execute(f"DROP FUNCTION {SCHEMA}.set_txid()")
    op.drop_table("offer_transitions", schema=SCHEMA)
    op.drop_table("demand_transitions", schema=SCHEMA)
    op.drop_table("offers", schema=SCHEMA)
    op.drop_table("demands", schema=SCHEMA)
