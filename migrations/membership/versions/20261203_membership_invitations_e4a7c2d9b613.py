"""membership invitations: statuses `invited` and `declined`; the alliance that registered an organization

An alliance admin's membership for an organization its alliance did not register (or one already claimed by its
own org admin) is an invitation the organization accepts or declines. `invited` counts as open (one open
membership per organization and alliance). `organizations.registered_by_alliance_id` records which alliance
registered an organization; existing organizations take the alliance of their earliest membership, which keeps
the edit rights that alliance had before.

Revision ID: e4a7c2d9b613
Revises: c7e1f3a5b9d2
Create Date: 2026-12-03 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e4a7c2d9b613"
down_revision = "c7e1f3a5b9d2"
branch_labels = None
depends_on = None

S = "membership"
OLD = "'pending', 'active', 'suspended', 'rejected', 'withdrawn', 'expelled'"
NEW = "'invited', 'pending', 'active', 'suspended', 'rejected', 'withdrawn', 'expelled', 'declined'"


def _statuses(values: str) -> None:
    for table, column, nullable in (
        ("memberships", "status", False),
        ("membership_events", "from_status", True),
        ("membership_events", "to_status", False),
    ):
        name = op.f(f"ck_{table}_{column}")
        op.drop_constraint(name, table, type_="check", schema=S)
        cond = f"{column} in ({values})"
        op.create_check_constraint(name, table, f"{column} is null or {cond}" if nullable else cond, schema=S)


def _open_index(statuses: str) -> None:
    op.drop_index("uq_memberships_open", table_name="memberships", schema=S)
    op.create_index(
        "uq_memberships_open",
        "memberships",
        ["org_id", "alliance_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text(f"status in ({statuses})"),
    )


def upgrade() -> None:
    _statuses(NEW)
    _open_index("'invited', 'pending', 'active', 'suspended'")
    op.add_column("organizations", sa.Column("registered_by_alliance_id", sa.Uuid(), nullable=True), schema=S)
    op.create_foreign_key(
        op.f("fk_organizations_registered_by_alliance_id_alliances"),
        "organizations",
        "alliances",
        ["registered_by_alliance_id"],
        ["id"],
        source_schema=S,
        referent_schema=S,
    )
    op.execute(
        f"update {S}.organizations o set registered_by_alliance_id = first.alliance_id "
        f"from (select distinct on (org_id) org_id, alliance_id from {S}.memberships "
        "order by org_id, created_at, id) first where first.org_id = o.id"
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_organizations_registered_by_alliance_id_alliances"), "organizations", type_="foreignkey", schema=S
    )
    op.drop_column("organizations", "registered_by_alliance_id", schema=S)
    # Lossy but keeps every row: an invitation reads as an application; an open one ends as withdrawn.
    op.execute(
        f"update {S}.memberships set status = 'withdrawn', ended_on = latest_effective_on where status = 'invited'"
    )
    op.execute(f"update {S}.memberships set status = 'rejected' where status = 'declined'")
    for column in ("from_status", "to_status"):
        op.execute(
            f"update {S}.membership_events set {column} = case {column} when 'invited' then 'pending' "
            f"else 'rejected' end where {column} in ('invited', 'declined')"
        )
    _open_index("'pending', 'active', 'suspended'")
    _statuses(OLD)
