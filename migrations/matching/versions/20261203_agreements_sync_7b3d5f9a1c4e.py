"""Agreements, their milestones and their payments sync like every paged list (docs/sync.md): a trigger-written
`txid xid8` on `agreements`, `agreement_milestones` and `agreement_payments` (the function `matching.set_txid()` of the
demands and offers revision), with the index `ix_<table>_txid (txid, id)` the incremental pull walks
(chanjiao/sync.py); a payment, never changed, gets `updated_at` equal to its `created_at` for `updated_since`.

Revision ID: 7b3d5f9a1c4e
Revises: 5d1f3b7a9c2e
Create Date: 2026-12-03 17:10:00
"""

from alembic import op

revision = "7b3d5f9a1c4e"
down_revision = "5d1f3b7a9c2e"
branch_labels = None
depends_on = None

SCHEMA = "matching"
TABLES = ("agreements", "agreement_milestones", "agreement_payments")


def upgrade() -> None:
    op.execute(f"ALTER TABLE {SCHEMA}.agreement_payments ADD COLUMN updated_at timestamptz")
    op.execute(f"UPDATE {SCHEMA}.agreement_payments SET updated_at = created_at")
    op.execute(f"ALTER TABLE {SCHEMA}.agreement_payments ALTER COLUMN updated_at SET NOT NULL")
    for table in TABLES:
        op.execute(f"ALTER TABLE {SCHEMA}.{table} ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
        op.execute(f"CREATE INDEX ix_{table}_txid ON {SCHEMA}.{table} (txid, id)")
        op.execute(
            f"CREATE TRIGGER {table}_txid BEFORE INSERT OR UPDATE ON {SCHEMA}.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.set_txid()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_txid ON {SCHEMA}.{table}")
        op.execute(f"DROP INDEX {SCHEMA}.ix_{table}_txid")
        op.execute(f"ALTER TABLE {SCHEMA}.{table} DROP COLUMN txid")
    op.execute(f"ALTER TABLE {SCHEMA}.agreement_payments DROP COLUMN updated_at")
