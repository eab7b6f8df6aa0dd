"""The remaining membership lists sync by transaction id: alliances, committees, status events, reference codes

Same pattern as revision 8d2f4a6c1e3b (chanjiao/sync.py, docs/sync.md): each table gets `txid xid8 NOT NULL`
(backfilled with this migration's transaction id, below any token a client can hold), the trigger `<table>_txid`
(BEFORE INSERT OR UPDATE, function `membership.set_txid()`) and the index `ix_<table>_txid` the pull walks.

Rows that had no `updated_at` get one, for `updated_since`:

* `organization_status_events.updated_at` = `recorded_at` (an event is never changed after it is recorded);
* `reference_codes.updated_at` = `added_at` for codes a platform admin added, else this migration's time (shipped
  codes were loaded by revision 3b1c0e7d5a21 and never changed since).

Revision ID: c5e8a1d7f392
Revises: 8d2f4a6c1e3b
Create Date: 2026-12-03 10:10:00
"""

from alembic import op

revision = "c5e8a1d7f392"
down_revision = "8d2f4a6c1e3b"
branch_labels = None
depends_on = None

SCHEMA = "membership"
# table → the columns after `txid` in its pull index (its key)
TABLES = {
    "alliances": "id",
    "committees": "id",
    "organization_status_events": "id",
    "reference_codes": "kind, code",
}


def upgrade() -> None:
    op.execute(f"ALTER TABLE {SCHEMA}.organization_status_events ADD COLUMN updated_at timestamptz")
    op.execute(f"UPDATE {SCHEMA}.organization_status_events SET updated_at = recorded_at")
    op.execute(f"ALTER TABLE {SCHEMA}.organization_status_events ALTER COLUMN updated_at SET NOT NULL")
    op.execute(f"ALTER TABLE {SCHEMA}.reference_codes ADD COLUMN updated_at timestamptz")
    op.execute(f"UPDATE {SCHEMA}.reference_codes SET updated_at = coalesce(added_at, now())")
    op.execute(f"ALTER TABLE {SCHEMA}.reference_codes ALTER COLUMN updated_at SET NOT NULL")
    for table, key in TABLES.items():
        op.execute(f"ALTER TABLE {SCHEMA}.{table} ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
        op.execute(f"CREATE INDEX ix_{table}_txid ON {SCHEMA}.{table} (txid, {key})")
        op.execute(
            f"CREATE TRIGGER {table}_txid BEFORE INSERT OR UPDATE ON {SCHEMA}.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.set_txid()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_txid ON {SCHEMA}.{table}")
        op.execute(f"DROP INDEX {SCHEMA}.ix_{table}_txid")
        op.execute(f"ALTER TABLE {SCHEMA}.{table} DROP COLUMN txid")
    op.execute(f"ALTER TABLE {SCHEMA}.reference_codes DROP COLUMN updated_at")
    op.execute(f"ALTER TABLE {SCHEMA}.organization_status_events DROP COLUMN updated_at")
