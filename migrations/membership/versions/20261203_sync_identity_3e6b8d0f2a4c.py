"""Users and API keys sync by transaction id: `txid xid8` set by the trigger on every write; API keys get
`updated_at`

The same pattern as `20261203_sync_txid_6c2e4a8f1d3b.py` (chanjiao/sync.py, docs/sync.md) for `users` and
`api_keys`: `txid xid8 NOT NULL` (existing rows get this migration's transaction id), the trigger `<table>_txid`
(function `membership.set_txid()`, created by that revision) and the index `ix_<table>_txid (txid, id)`.

`api_keys.updated_at` (for `updated_since` pulls): the last change of the key's record — creation, revocation,
the once-a-minute `last_used_at` — backfilled from the latest of those.

Revision ID: 3e6b8d0f2a4c
Revises: 6c2e4a8f1d3b
Create Date: 2026-12-03 10:15:00
"""

from alembic import op

revision = "3e6b8d0f2a4c"
down_revision = "6c2e4a8f1d3b"
branch_labels = None
depends_on = None

SCHEMA = "membership"
TABLES = ["users", "api_keys"]


def upgrade() -> None:
    op.execute(f"ALTER TABLE {SCHEMA}.api_keys ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()")
    op.execute(
        f"UPDATE {SCHEMA}.api_keys SET updated_at = "
        "greatest(created_at, coalesce(revoked_at, created_at), coalesce(last_used_at, created_at))"
    )
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
    op.execute(f"ALTER TABLE {SCHEMA}.api_keys DROP COLUMN updated_at")
