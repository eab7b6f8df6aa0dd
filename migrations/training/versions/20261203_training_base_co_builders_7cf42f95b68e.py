"""Co-builders of a training base 共建单位: `training_base_co_builders`

A base has one owner; the organizations that co-build it (role `co_builder` 共建单位) are listed with the money they
put in (CNY, 2 places), their share of the base (0 < share ≤ 100; the total of a base's live co-builders ≤ 100 is
checked by the API under a lock on the base), in-kind contributions and since when. One live entry per base and
organization. Synced by transaction id like every list (`txid`, docs/sync.md). The figures count a base as co-built (共建) while it has one (`docs/training.md`, "The figures").

Revision ID: 7cf42f95b68e
Revises: 361f49d41c40
Create Date: 2026-12-03 19:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7cf42f95b68e"
down_revision = "361f49d41c40"
branch_labels = None
depends_on = None

SCHEMA = "training"
TABLE = "training_base_co_builders"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("base_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False, server_default="co_builder"),
        sa.Column("investment_cny", sa.Numeric(16, 2), nullable=True),
        sa.Column("share_percent", sa.Numeric(5, 2), nullable=True),
        sa.Column("in_kind", sa.Text(), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role in ('co_builder')", name=op.f("ck_training_base_co_builders_role")),
        sa.CheckConstraint(
            "investment_cny is null or investment_cny >= 0", name=op.f("ck_training_base_co_builders_investment_cny")
        ),
        sa.CheckConstraint(
            "share_percent is null or (share_percent > 0 and share_percent <= 100)",
            name=op.f("ck_training_base_co_builders_share"),
        ),
        sa.ForeignKeyConstraint(
            ["base_id"],
            [f"{SCHEMA}.training_bases.id"],
            name=op.f("fk_training_base_co_builders_base_id_training_bases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_base_co_builders")),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_training_base_co_builders_base_org",
        TABLE,
        ["base_id", "org_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index("ix_training_base_co_builders_org_id", TABLE, ["org_id", "id"], schema=SCHEMA)
    # synced like every list (migrations/training/versions/20261203_sync_txid_5b7d9f1a3c2e.py)
    op.execute(f"ALTER TABLE {SCHEMA}.{TABLE} ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
    op.execute(f"CREATE INDEX ix_{TABLE}_txid ON {SCHEMA}.{TABLE} (txid, id)")
    op.execute(
        f"CREATE TRIGGER {TABLE}_txid BEFORE INSERT OR UPDATE ON {SCHEMA}.{TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.set_txid()"
    )


def downgrade() -> None:
    op.execute(f"DROP TRIGGER {TABLE}_txid ON {SCHEMA}.{TABLE}")
    op.execute(f"DROP INDEX {SCHEMA}.ix_{TABLE}_txid")
    op.drop_index("ix_training_base_co_builders_org_id", table_name=TABLE, schema=SCHEMA)
    op.drop_index("uq_training_base_co_builders_base_org", table_name=TABLE, schema=SCHEMA)
    op.drop_table(TABLE, schema=SCHEMA)
