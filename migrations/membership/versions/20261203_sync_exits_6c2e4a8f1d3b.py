"""Per-tenant exit rows: a record that leaves a tenant's view comes to that tenant's token pull as a tombstone

chanjiao/sync_exits.py, docs/sync.md: a write that removes a tenant (an organization, an alliance) from the set that
may see a record inserts, in the same transaction, one row per tenant that lost it into `membership.sync_exits`. Its
`txid` is set by the same trigger function as every synced table (`membership.set_txid()`, BEFORE INSERT), so exits
are watermarked and ordered with the rows; the index `(tenant_id, noun, txid, id)` serves a tenant's pull.

Revision ID: 6c2e4a8f1d3b
Revises: c5e8a1d7f392
Create Date: 2026-12-03 10:30:00
"""

from alembic import op

revision = "6c2e4a8f1d3b"
down_revision = "c5e8a1d7f392"
branch_labels = None
depends_on = None

SCHEMA = "membership"


def upgrade() -> None:
    op.execute(
        f"CREATE TABLE {SCHEMA}.sync_exits ("
        "id uuid PRIMARY KEY, "
        "noun text NOT NULL, "
        "record_id uuid NOT NULL, "
        "tenant_kind text NOT NULL CONSTRAINT ck_sync_exits_tenant_kind CHECK (tenant_kind IN ('organization', 'alliance')), "
        "tenant_id uuid NOT NULL, "
        "created_at timestamptz NOT NULL, "
        "txid xid8 NOT NULL DEFAULT pg_current_xact_id())"
    )
    op.execute(f"CREATE INDEX ix_sync_exits_tenant ON {SCHEMA}.sync_exits (tenant_id, noun, txid, id)")
    op.execute(
        f"CREATE TRIGGER sync_exits_txid BEFORE INSERT OR UPDATE ON {SCHEMA}.sync_exits "
        f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.set_txid()"
    )


def downgrade() -> None:
    op.execute(f"DROP TABLE {SCHEMA}.sync_exits")
