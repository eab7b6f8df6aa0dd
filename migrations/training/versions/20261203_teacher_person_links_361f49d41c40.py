"""A learner record names its membership person; legacy teacher practices get their person where it is known

* `learners.membership_person_id` (nullable plain uuid — a person of the membership service, `/v1/people/{id}`, no
  cross-service foreign key): the owner of a learner record says which person of the school (or of the learner's
  current organization) the record is, so a teacher trained in 双师培训 and the same teacher in 企业实践 count once
  (`docs/training.md`, "A teacher is one person").
* Legacy teacher practices (a training learner as the teacher, no `person_id`) get their membership person where
  it can be determined from what training holds — membership people carry no ID number nor hash to match on, and a
  migration of training cannot read membership's tables: a live or deleted practice of the **same school** that
  names a person under the **same name** (NFKC, spaces removed), when exactly one person of the school has that
  name in those records. The row then names that person (`person_id`; `learner_id` cleared, as on every record with
  a person; `teacher_name` kept) and the learner, when the school owns it, names the person too. Rows that cannot
  be matched stay as they are and count by their learner's platform person; the migration logs both counts.

Revision ID: 361f49d41c40
Revises: 5a7c9e1b3d6f
Create Date: 2026-12-03 19:00:00
"""

import logging

import sqlalchemy as sa
from alembic import context, op

revision = "361f49d41c40"
down_revision = "5a7c9e1b3d6f"
branch_labels = None
depends_on = None

SCHEMA = "training"
log = logging.getLogger("alembic.runtime.migration")

# The practices of each school that name a person, by normalised name; a name naming one person only.
MATCH = f"""
WITH named AS (
    SELECT school_org_id, regexp_replace(normalize(teacher_name, NFKC), '\\s', '', 'g') AS name,
           min(person_id::text)::uuid AS person_id, count(DISTINCT person_id) AS people
    FROM {SCHEMA}.teacher_practices
    WHERE person_id IS NOT NULL
    GROUP BY 1, 2
),
matched AS (
    SELECT t.id, t.learner_id, t.school_org_id, n.person_id
    FROM {SCHEMA}.teacher_practices t
    JOIN named n ON n.school_org_id = t.school_org_id
                AND n.name = regexp_replace(normalize(t.teacher_name, NFKC), '\\s', '', 'g')
                AND n.people = 1
    WHERE t.person_id IS NULL AND t.learner_id IS NOT NULL AND t.teacher_name IS NOT NULL
),
learners_linked AS (
    UPDATE {SCHEMA}.learners l SET membership_person_id = m.person_id
    FROM (SELECT DISTINCT ON (learner_id) learner_id, school_org_id, person_id FROM matched) m
    WHERE l.id = m.learner_id AND l.owner_org_id = m.school_org_id AND l.membership_person_id IS NULL
    RETURNING l.id
),
practices AS (
    UPDATE {SCHEMA}.teacher_practices t SET person_id = m.person_id, learner_id = NULL
    FROM matched m WHERE t.id = m.id
    RETURNING t.id
)
SELECT (SELECT count(*) FROM practices) AS practices, (SELECT count(*) FROM learners_linked) AS learners
"""


def upgrade() -> None:
    op.add_column("learners", sa.Column("membership_person_id", sa.Uuid(), nullable=True), schema=SCHEMA)
    op.create_index(
        "ix_learners_membership_person_id",
        "learners",
        ["membership_person_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("membership_person_id IS NOT NULL"),
    )
    bind = op.get_bind()
    done = bind.execute(sa.text(MATCH)).one()
    left = bind.execute(
        sa.text(f"SELECT count(*) FROM {SCHEMA}.teacher_practices WHERE person_id IS NULL")
    ).scalar_one()
    said = (
        f"teacher practices: {done.practices} legacy records now name their membership person ({done.learners} "
        f"learner records linked); {left} legacy records could not be matched and count by their learner"
    )
    log.info(said)
    context.config.print_stdout(said)  # on the console of `alembic upgrade`


def downgrade() -> None:
    """Matched practices keep their person (the earlier revision accepts records with a person); the learners'
    link goes."""
    op.drop_index("ix_learners_membership_person_id", table_name="learners", schema=SCHEMA)
    op.drop_column("learners", "membership_person_id", schema=SCHEMA)
