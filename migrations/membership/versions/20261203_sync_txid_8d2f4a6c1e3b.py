"""Synced tables carry the writing transaction's id (`txid xid8`), set by a trigger on every insert and update

Incremental sync by transaction id (chanjiao/sync.py, docs/sync.md): a list's `sync_token` is the oldest
transaction still running when it was read, and the next pull asks for `txid >= token`. From this revision every
synced table has:

* `txid xid8 NOT NULL`, backfilled with this migration's own transaction id (below any token a client can hold,
  since tokens are taken later, so a first `since_token` pull after the upgrade returns every existing row once);
* the trigger `<table>_txid` (BEFORE INSERT OR UPDATE, function `membership.set_txid()`) that sets it to
  `pg_current_xact_id()` on every write — ORM, bulk SQL or `unnest` batch alike; a soft delete is an update;
* the index `ix_<table>_txid (txid, id)` the pull walks.

Revision ID: 8d2f4a6c1e3b
Revises: a7c3e915d2f4
Create Date: 2026-12-03 08:30:00
"""

from alembic import op

revision = "8d2f4a6c1e3b"
down_revision = "a7c3e915d2f4"
branch_labels = None
depends_on = None

SCHEMA = "membership"
TABLES = [
    "organizations",
    "people",
    "appointments",
    "memberships",
]


def upgrade() -> None:
    op.execute(
        f"CREATE FUNCTION {SCHEMA}.set_txid() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.txid := pg_current_xact_id(); RETURN NEW; END $$"
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
    op.execute(f"DROP FUNCTION {SCHEMA}.set_txid()")
