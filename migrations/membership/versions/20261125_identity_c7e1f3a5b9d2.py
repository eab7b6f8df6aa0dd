"""identity: users, alliance grants, refresh tokens, login failures, API keys, one-time tokens

Passwords are argon2id hashes; refresh tokens, API keys and one-time tokens are stored only as
SHA-256 digests. `users.login` is unique case-insensitively (an index on lower(login)).

Revision ID: c7e1f3a5b9d2
Revises: b2c4d6e8f0a1
Create Date: 2026-11-25 16:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "c7e1f3a5b9d2"
down_revision = "b2c4d6e8f0a1"
branch_labels = None
depends_on = None

S = "membership"


def _ts(name: str, nullable: bool = True, *, now: bool = False) -> sa.Column:
    return sa.Column(
        name, sa.DateTime(timezone=True), nullable=nullable, server_default=sa.text("now()") if now else None
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=True),
        sa.Column("org_role", sa.Text(), nullable=True),
        sa.Column("is_platform_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        _ts("disabled_at"),
        _ts("password_changed_at", False, now=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        _ts("created_at", False, now=True),
        _ts("updated_at", False, now=True),
        sa.CheckConstraint(
            "org_role is null or org_role in ('org_admin', 'org_staff')", name=op.f("ck_users_org_role")
        ),
        sa.CheckConstraint("(org_id is null) = (org_role is null)", name=op.f("ck_users_org_pair")),
        sa.ForeignKeyConstraint(["org_id"], [f"{S}.organizations.id"], name=op.f("fk_users_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        schema=S,
    )
    op.create_index("uq_users_login", "users", [sa.text("lower(login)")], unique=True, schema=S)
    op.create_index("ix_users_org_id", "users", ["org_id", "id"], schema=S)
    op.create_index("ix_users_platform_admin", "users", ["id"], schema=S, postgresql_where=sa.text("is_platform_admin"))

    op.create_table(
        "alliance_grants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=False),
        _ts("granted_at", False),
        sa.Column("granted_by", sa.Text(), nullable=False),
        _ts("revoked_at"),
        sa.Column("revoked_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], [f"{S}.users.id"], name=op.f("fk_alliance_grants_user_id_users")),
        sa.ForeignKeyConstraint(
            ["alliance_id"], [f"{S}.alliances.id"], name=op.f("fk_alliance_grants_alliance_id_alliances")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alliance_grants")),
        schema=S,
    )
    op.create_index(
        "uq_alliance_grants_live",
        "alliance_grants",
        ["user_id", "alliance_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("revoked_at is null"),
    )
    op.create_index("ix_alliance_grants_alliance", "alliance_grants", ["alliance_id"], schema=S)

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=True),
        _ts("issued_at", False),
        _ts("expires_at", False),
        _ts("rotated_at"),
        _ts("revoked_at"),
        sa.ForeignKeyConstraint(["user_id"], [f"{S}.users.id"], name=op.f("fk_refresh_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
        schema=S,
    )
    op.create_index("ix_refresh_tokens_family", "refresh_tokens", ["family_id"], schema=S)
    op.create_index(
        "ix_refresh_tokens_user_live",
        "refresh_tokens",
        ["user_id"],
        schema=S,
        postgresql_where=sa.text("revoked_at is null"),
    )

    op.create_table(
        "login_failures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("login_key", sa.LargeBinary(), nullable=False),
        _ts("failed_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
        schema=S,
    )
    op.create_index("ix_login_failures_key", "login_failures", ["login_key", "failed_at"], schema=S)

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=True),
        sa.Column("alliance_id", sa.Uuid(), nullable=True),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("key_hash", sa.LargeBinary(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        _ts("created_at", False),
        _ts("expires_at"),
        _ts("revoked_at"),
        sa.Column("revoked_by", sa.Text(), nullable=True),
        _ts("last_used_at"),
        sa.CheckConstraint("(org_id is null) <> (alliance_id is null)", name=op.f("ck_api_keys_owner")),
        sa.CheckConstraint("cardinality(scopes) >= 1", name=op.f("ck_api_keys_scopes")),
        sa.ForeignKeyConstraint(["org_id"], [f"{S}.organizations.id"], name=op.f("fk_api_keys_org_id_organizations")),
        sa.ForeignKeyConstraint(["alliance_id"], [f"{S}.alliances.id"], name=op.f("fk_api_keys_alliance_id_alliances")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
        schema=S,
    )
    op.create_index("ix_api_keys_org", "api_keys", ["org_id", "id"], schema=S)
    op.create_index("ix_api_keys_alliance", "api_keys", ["alliance_id", "id"], schema=S)

    op.create_table(
        "one_time_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=True),
        sa.Column("org_role", sa.Text(), nullable=True),
        sa.Column("alliance_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("first_admin_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        _ts("created_at", False),
        _ts("expires_at", False),
        _ts("used_at"),
        sa.Column("used_by", sa.Uuid(), nullable=True),
        _ts("revoked_at"),
        sa.CheckConstraint("kind in ('invitation', 'password_reset', 'setup')", name=op.f("ck_one_time_tokens_kind")),
        sa.CheckConstraint(
            "org_role is null or org_role in ('org_admin', 'org_staff')", name=op.f("ck_one_time_tokens_org_role")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], [f"{S}.organizations.id"], name=op.f("fk_one_time_tokens_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["alliance_id"], [f"{S}.alliances.id"], name=op.f("fk_one_time_tokens_alliance_id_alliances")
        ),
        sa.ForeignKeyConstraint(["user_id"], [f"{S}.users.id"], name=op.f("fk_one_time_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_one_time_tokens_token_hash")),
        schema=S,
    )
    op.create_index(
        "ix_one_time_tokens_user",
        "one_time_tokens",
        ["user_id"],
        schema=S,
        postgresql_where=sa.text("user_id is not null"),
    )


def downgrade() -> None:
    op.drop_table("one_time_tokens", schema=S)
    op.drop_table("api_keys", schema=S)
    op.drop_table("login_failures", schema=S)
    op.drop_table("refresh_tokens", schema=S)
    op.drop_table("alliance_grants", schema=S)
    op.drop_table("users", schema=S)
