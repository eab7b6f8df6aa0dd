"""Teacher practice names the teacher as a membership person: `person_id` + `teacher_name`

A teacher is one person, kept by the membership service (`/v1/people/{id}`, a person of the school). Teacher
practice referenced a training learner of learner_type `teacher` instead. From this revision:

* `person_id` (the membership person; plain uuid, no cross-service foreign key) and `teacher_name` (the name at
  the time of recording, so lists, exports and figures never call membership) are added;
* existing rows keep their `learner_id` — now a nullable legacy column — and get `teacher_name` from that
  learner's name, unless the learner was erased (then it stays NULL: the erasure is not undone);
* exactly one of `person_id` / `learner_id` is set on every row (new rows: `person_id`, enforced by the API and
  the check constraint `ck_teacher_practices_teacher`); a row with a person has a name;
* the figures' covering indexes include the teacher columns, so "distinct teachers" stays index-only.

Revision ID: 89645a007276
Revises: f6b8d0e2a4c6
Create Date: 2026-12-03 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "89645a007276"
down_revision = "f6b8d0e2a4c6"
branch_labels = None
depends_on = None

SCHEMA = "training"
TABLE = "teacher_practices"
LIVE = sa.text("deleted_at IS NULL")
# The figures' indexes (migration d4f6b8c0e2a4), by school and by enterprise: (name, key columns).
STATS_INDEXES = [
    ("ix_teacher_practices_stats_school", ["school_org_id", "end_on"]),
    ("ix_teacher_practices_stats_enterprise", ["enterprise_org_id", "end_on"]),
]


def _stats_indexes(include: list[str]) -> None:
    for name, columns in STATS_INDEXES:
        op.drop_index(name, table_name=TABLE, schema=SCHEMA)
        op.create_index(name, TABLE, columns, schema=SCHEMA, postgresql_include=include, postgresql_where=LIVE)


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("person_id", sa.Uuid(), nullable=True), schema=SCHEMA)
    op.add_column(TABLE, sa.Column("teacher_name", sa.Text(), nullable=True), schema=SCHEMA)
    op.alter_column(TABLE, "learner_id", existing_type=sa.Uuid(), nullable=True, schema=SCHEMA)
    op.execute(
        f"UPDATE {SCHEMA}.{TABLE} AS t SET teacher_name = l.name "
        f"FROM {SCHEMA}.learners AS l WHERE l.id = t.learner_id AND l.erased_at IS NULL"
    )
    op.create_check_constraint(
        op.f("ck_teacher_practices_teacher"), TABLE, "num_nonnulls(person_id, learner_id) = 1", schema=SCHEMA
    )
    op.create_check_constraint(
        op.f("ck_teacher_practices_teacher_name"),
        TABLE,
        "person_id IS NULL OR teacher_name IS NOT NULL",
        schema=SCHEMA,
    )
    op.create_index("ix_teacher_practices_person_id", TABLE, ["person_id"], schema=SCHEMA)
    _stats_indexes(["start_on", "id", "person_id", "learner_id"])


def downgrade() -> None:
    """Only possible while every row still has a learner: rows recorded with a person have none to go back to
    (the NOT NULL on `learner_id` then fails and nothing changes)."""
    _stats_indexes(["start_on", "id"])
    op.drop_index("ix_teacher_practices_person_id", table_name=TABLE, schema=SCHEMA)
    op.drop_constraint(op.f("ck_teacher_practices_teacher_name"), TABLE, schema=SCHEMA, type_="check")
    op.drop_constraint(op.f("ck_teacher_practices_teacher"), TABLE, schema=SCHEMA, type_="check")
    op.alter_column(TABLE, "learner_id", existing_type=sa.Uuid(), nullable=False, schema=SCHEMA)
    op.drop_column(TABLE, "teacher_name", schema=SCHEMA)
    op.drop_column(TABLE, "person_id", schema=SCHEMA)
