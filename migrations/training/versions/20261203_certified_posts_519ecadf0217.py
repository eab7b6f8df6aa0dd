"""Posts that require a certificate (持证岗位) and their holders' history
(services/training/certified_posts/models.py)

Revision ID: 519ecadf0217
Revises: 7a1c3e5b9d2f
Create Date: 2026-12-03 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "519ecadf0217"
down_revision = "7a1c3e5b9d2f"
branch_labels = None
depends_on = None

SCHEMA = "training"
KINDS = (
    "'skill_level_1x', 'skill_level', 'vocational_qualification', 'special_operations', 'special_equipment', "
    "'completion', 'competition_award', 'other'"
)


def upgrade() -> None:
    op.create_table(
        "certified_posts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("required_kind", sa.Text(), nullable=False),
        sa.Column("occupation_name", sa.Text(), nullable=True),
        sa.Column("occupation_code", sa.Text(), nullable=True),
        sa.Column("min_level", sa.Text(), nullable=True),
        sa.Column("headcount", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"required_kind in ({KINDS})", name=op.f("ck_certified_posts_required_kind")),
        sa.CheckConstraint("headcount is null or headcount >= 1", name=op.f("ck_certified_posts_headcount")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certified_posts")),
        schema=SCHEMA,
    )
    op.create_index("ix_certified_posts_org_id", "certified_posts", ["org_id", "id"], schema=SCHEMA)
    op.create_index("ix_certified_posts_updated_at", "certified_posts", ["updated_at", "id"], schema=SCHEMA)
    op.create_table(
        "certified_post_holders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("holder_name", sa.Text(), nullable=True),
        sa.Column("learner_id", sa.Uuid(), nullable=True),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("num_nonnulls(person_id, learner_id) = 1", name=op.f("ck_certified_post_holders_holder")),
        sa.CheckConstraint(
            "person_id is null or holder_name is not null", name=op.f("ck_certified_post_holders_holder_name")
        ),
        sa.CheckConstraint("until is null or until >= since", name=op.f("ck_certified_post_holders_period")),
        sa.ForeignKeyConstraint(
            ["post_id"], ["training.certified_posts.id"], name=op.f("fk_certified_post_holders_post_id_certified_posts")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["training.learners.id"], name=op.f("fk_certified_post_holders_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certified_post_holders")),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_certified_post_holders_open_person",
        "certified_post_holders",
        ["post_id", "person_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("until is null and person_id is not null"),
    )
    op.create_index(
        "uq_certified_post_holders_open_learner",
        "certified_post_holders",
        ["post_id", "learner_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("until is null and learner_id is not null"),
    )
    op.create_index("ix_certified_post_holders_post_id", "certified_post_holders", ["post_id", "since"], schema=SCHEMA)
    op.create_index("ix_certified_post_holders_org_id", "certified_post_holders", ["org_id"], schema=SCHEMA)
    op.create_index("ix_certified_post_holders_learner_id", "certified_post_holders", ["learner_id"], schema=SCHEMA)
    # Posts sync by transaction id like every listed table (chanjiao/sync.py); their holders ride on the post's sync
    # (adding or ending a holding is a new version of the post).
    op.execute(f"ALTER TABLE {SCHEMA}.certified_posts ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
    op.execute(f"CREATE INDEX ix_certified_posts_txid ON {SCHEMA}.certified_posts (txid, id)")
    op.execute(
        f"CREATE TRIGGER certified_posts_txid BEFORE INSERT OR UPDATE ON {SCHEMA}.certified_posts "
        f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.set_txid()"
    )


def downgrade() -> None:
    for table in ("certified_post_holders", "certified_posts"):
        op.drop_table(table, schema=SCHEMA)
