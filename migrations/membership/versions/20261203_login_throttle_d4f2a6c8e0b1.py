"""login throttle: failures per (login, client address), successful addresses per login

Failed logins are counted per login name *and* client address (`client_key`, a keyed hash of the
address; IPv6 by /64), so a stranger's failures slow down only the stranger's address; `route` tells
a failed login from a wrong current password at `POST /v1/users/me/password` (which counts for its
address only, never for the per-login ceiling). `login_successes` remembers the addresses a login
recently succeeded from: under the per-login ceiling against distributed guessing they may still try.
Existing failure rows (at most 15 minutes old, without an address) are dropped.

Revision ID: d4f2a6c8e0b1
Revises: e4a7c2d9b613
Create Date: 2026-12-03 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d4f2a6c8e0b1"
down_revision = "e4a7c2d9b613"
branch_labels = None
depends_on = None

S = "membership"


def upgrade() -> None:
    op.execute(f"delete from {S}.login_failures")
    op.add_column("login_failures", sa.Column("client_key", sa.LargeBinary(), nullable=False), schema=S)
    op.add_column("login_failures", sa.Column("route", sa.Text(), server_default="login", nullable=False), schema=S)
    op.create_check_constraint(
        op.f("ck_login_failures_route"), "login_failures", "route in ('login', 'password_change')", schema=S
    )
    op.create_index("ix_login_failures_client", "login_failures", ["login_key", "client_key", "failed_at"], schema=S)
    op.create_index("ix_login_failures_failed_at", "login_failures", ["failed_at"], schema=S)
    op.create_table(
        "login_successes",
        sa.Column("login_key", sa.LargeBinary(), nullable=False),
        sa.Column("client_key", sa.LargeBinary(), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("login_key", "client_key", name=op.f("pk_login_successes")),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("login_successes", schema=S)
    op.drop_index("ix_login_failures_failed_at", table_name="login_failures", schema=S)
    op.drop_index("ix_login_failures_client", table_name="login_failures", schema=S)
    op.drop_constraint(op.f("ck_login_failures_route"), "login_failures", schema=S, type_="check")
    op.drop_column("login_failures", "route", schema=S)
    op.drop_column("login_failures", "client_key", schema=S)
