"""Learner records per organization: `learners.owner_org_id`, the counting key `persons`, no `learner_orgs`

A learner record belongs to the organization that registered it (`owner_org_id`); the same document registered by
two organizations is two records of one `persons` row (`person_id`, used only for counting). The ID-number hash is
unique per owner among records that still hold one; `learner_orgs` no longer grants anything and is dropped.

Existing records: the owner is the organization of the first `registration` link (by `linked_at`), else the
record's `current_org_id`, else the organization of its first link of any kind. Every record gets its own person
(one per distinct hash — the hash was unique, so that is one per record; an erased record, whose hash is NULL, gets
a person of its own with no hash). Organizations that saw a record only through a link lose sight of it
(docs/learners.md).

Downgrade restores the global unique hash (it fails if two organizations registered the same document since),
recreates `learner_orgs` with each record's owner as its `registration` link, and drops the new columns and table.

Revision ID: a7c9e1b3d5f7
Revises: 89645a007276
Create Date: 2026-12-03 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c9e1b3d5f7"
down_revision = "89645a007276"
branch_labels = None
depends_on = None

SCHEMA = "training"


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("id_number_hash", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("id_number_hash", name="uq_persons_id_number_hash"),
        schema=SCHEMA,
    )
    op.add_column("learners", sa.Column("owner_org_id", sa.Uuid(), nullable=True), schema=SCHEMA)
    op.add_column("learners", sa.Column("person_id", sa.Uuid(), nullable=True), schema=SCHEMA)
    op.execute(
        f"""
        update {SCHEMA}.learners l set owner_org_id = coalesce(
            (select o.org_id from {SCHEMA}.learner_orgs o
              where o.learner_id = l.id and o.via = 'registration' order by o.linked_at, o.org_id limit 1),
            l.current_org_id,
            (select o.org_id from {SCHEMA}.learner_orgs o
              where o.learner_id = l.id order by o.linked_at, o.org_id limit 1)
        )
        """
    )
    # A record nobody is linked to and without a current organization has no owner to give it: none exist (every
    # registration links its organization), and such a record would make the NOT NULL below fail loudly.
    op.execute(f"update {SCHEMA}.learners set person_id = uuidv7()")
    op.execute(
        f"""
        insert into {SCHEMA}.persons (id, id_number_hash, created_at)
        select person_id, id_number_hash, created_at from {SCHEMA}.learners
        """
    )
    op.alter_column("learners", "owner_org_id", nullable=False, schema=SCHEMA)
    op.alter_column("learners", "person_id", nullable=False, schema=SCHEMA)
    op.create_foreign_key(
        "fk_learners_person_id_persons",
        "learners",
        "persons",
        ["person_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
    op.drop_constraint("uq_learners_id_number_hash", "learners", schema=SCHEMA, type_="unique")
    op.create_index(
        "uq_learners_owner_id_number_hash",
        "learners",
        ["owner_org_id", "id_number_hash"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("id_number_hash is not null"),
    )
    op.create_index("ix_learners_owner_org_id", "learners", ["owner_org_id", "id"], schema=SCHEMA)
    op.create_index("ix_learners_person_id", "learners", ["person_id"], schema=SCHEMA)
    op.drop_index("ix_learner_orgs_org_id", table_name="learner_orgs", schema=SCHEMA)
    op.drop_table("learner_orgs", schema=SCHEMA)


def downgrade() -> None:
    op.create_table(
        "learner_orgs",
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("via", sa.Text(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            [f"{SCHEMA}.learners.id"],
            name=op.f("fk_learner_orgs_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("learner_id", "org_id", name=op.f("pk_learner_orgs")),
        schema=SCHEMA,
    )
    op.create_index("ix_learner_orgs_org_id", "learner_orgs", ["org_id", "learner_id"], schema=SCHEMA)
    op.execute(
        f"insert into {SCHEMA}.learner_orgs (learner_id, org_id, via, linked_at) "
        f"select id, owner_org_id, 'registration', created_at from {SCHEMA}.learners"
    )
    op.drop_index("ix_learners_person_id", table_name="learners", schema=SCHEMA)
    op.drop_index("ix_learners_owner_org_id", table_name="learners", schema=SCHEMA)
    op.drop_index("uq_learners_owner_id_number_hash", table_name="learners", schema=SCHEMA)
    op.create_unique_constraint("uq_learners_id_number_hash", "learners", ["id_number_hash"], schema=SCHEMA)
    op.drop_constraint("fk_learners_person_id_persons", "learners", schema=SCHEMA, type_="foreignkey")
    op.drop_column("learners", "person_id", schema=SCHEMA)
    op.drop_column("learners", "owner_org_id", schema=SCHEMA)
    op.drop_table("persons", schema=SCHEMA)
