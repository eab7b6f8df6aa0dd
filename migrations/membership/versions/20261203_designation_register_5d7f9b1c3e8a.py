"""designation register: `designations` and their `designation_stages`, people's `person_posts` in outside bodies;
organizations' `honours` and alliances' `recognitions` move into the register

Each `{title, level, year, issuer}` of an organization's `honours` becomes an entry (subject the organization, held
by it) and each of an alliance's `recognitions` an entry of the alliance: programme = title, the level, stage
`recognised` (验收/认定) in that year with one step of that year, recognising body = issuer, `origin = 'honours'`
and its place in the list (`position`). The JSONB columns are then dropped: reads compute both lists from the
register (docs/domain.md, "Designation register"). The downgrade puts them back from the register's held entries.

Revision ID: 5d7f9b1c3e8a
Revises: 7c1e3a5b9d2f
Create Date: 2026-12-03 19:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "5d7f9b1c3e8a"
down_revision = "7c1e3a5b9d2f"
branch_labels = None
depends_on = None

S = "membership"
LEVELS = "'national', 'provincial', 'municipal', 'industry', 'international'"
STAGES = "'applied', 'selected', 'building', 'recommended', 'recognised', 'withdrawn'"
KINDS = "'organization', 'alliance', 'person', 'training_base', 'course', 'major', 'major_group', 'project'"
POSTS = (
    "'chair', 'vice_chair', 'member', 'secretary_general', 'president', 'vice_president', 'council_member', "
    "'expert', 'other'"
)


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "designations",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("programme_name", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("batch", sa.Text(), nullable=True),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("stage_on", sa.Date(), nullable=True),
        sa.Column("stage_year", sa.Integer(), nullable=False),
        sa.Column("recognising_body", sa.Text(), nullable=True),
        sa.Column("recognising_org_id", sa.Uuid(), sa.ForeignKey(f"{S}.organizations.id"), nullable=True),
        sa.Column("subject_kind", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("subject_name", sa.Text(), nullable=True),
        sa.Column("subject_code", sa.Text(), nullable=True),
        sa.Column("org_id", sa.Uuid(), sa.ForeignKey(f"{S}.organizations.id"), nullable=True),
        sa.Column("alliance_id", sa.Uuid(), sa.ForeignKey(f"{S}.alliances.id"), nullable=True),
        sa.Column("origin", sa.Text(), nullable=False, server_default="register"),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_stamps(),
        sa.CheckConstraint(f"level in ({LEVELS})", name="level"),
        sa.CheckConstraint(f"stage in ({STAGES})", name="stage"),
        sa.CheckConstraint(f"subject_kind in ({KINDS})", name="subject_kind"),
        sa.CheckConstraint("origin in ('register', 'honours')", name="origin"),
        sa.CheckConstraint("org_id is not null or alliance_id is not null", name="owner"),
        sa.CheckConstraint("subject_id is not null or subject_name is not null", name="subject"),
        schema=S,
    )
    op.create_index("ix_designations_subject", "designations", ["subject_kind", "subject_id"], schema=S)
    op.create_index("ix_designations_org_id", "designations", ["org_id", "id"], schema=S)
    op.create_index("ix_designations_alliance_id", "designations", ["alliance_id", "id"], schema=S)
    op.create_table(
        "designation_stages",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("designation_id", sa.Uuid(), sa.ForeignKey(f"{S}.designations.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("corrected", sa.Boolean(), nullable=False, server_default="false"),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"stage in ({STAGES})", name="stage"),
        sa.CheckConstraint("on_date is null or extract(year from on_date) = year", name="year"),
        schema=S,
    )
    op.create_index(
        "ix_designation_stages_designation_id", "designation_stages", ["designation_id", "seq"], schema=S
    )
    op.create_table(
        "person_posts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("person_id", sa.Uuid(), sa.ForeignKey(f"{S}.people.id"), nullable=False),
        sa.Column("body_name", sa.Text(), nullable=False),
        sa.Column("post_kind", sa.Text(), nullable=False),
        sa.Column("post_title", sa.Text(), nullable=True),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_stamps(),
        sa.CheckConstraint(f"post_kind in ({POSTS})", name="post_kind"),
        sa.CheckConstraint(f"level in ({LEVELS})", name="level"),
        sa.CheckConstraint("until is null or until >= since", name="period"),
        schema=S,
    )
    op.create_index("ix_person_posts_person_id", "person_posts", ["person_id", "id"], schema=S)

    # The lists move into the register, in their order; each entry gets its one step.
    for table, kind, owner in (("organizations", "organization", "org_id"), ("alliances", "alliance", "alliance_id")):
        column = "honours" if table == "organizations" else "recognitions"
        op.execute(
            f"INSERT INTO {S}.designations (id, programme_name, level, stage, stage_year, recognising_body, "
            f"subject_kind, subject_id, {owner}, origin, position, version, created_at, updated_at) "
            f"SELECT gen_random_uuid(), h->>'title', coalesce(h->>'level', 'national'), 'recognised', "
            f"(h->>'year')::int, h->>'issuer', '{kind}', t.id, t.id, 'honours', (n - 1)::int, 1, now(), now() "
            f"FROM {S}.{table} t CROSS JOIN LATERAL jsonb_array_elements(t.{column}) WITH ORDINALITY AS e(h, n)"
        )
        op.drop_column(table, column, schema=S)
    op.execute(
        f"INSERT INTO {S}.designation_stages (id, designation_id, seq, stage, year, actor, recorded_at) "
        f"SELECT gen_random_uuid(), id, 1, stage, stage_year, 'migration', now() FROM {S}.designations"
    )


def downgrade() -> None:
    for table, kind, column in (("organizations", "organization", "honours"), ("alliances", "alliance", "recognitions")):
        op.add_column(
            table,
            sa.Column(column, postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
            schema=S,
        )
        levels = "'national', 'provincial', 'municipal'"
        op.execute(
            f"UPDATE {S}.{table} t SET {column} = l.items FROM (SELECT subject_id, jsonb_agg(jsonb_build_object("
            f"'title', programme_name, 'level', level, 'year', stage_year, 'issuer', recognising_body) ORDER BY "
            f"position NULLS LAST, stage_year, created_at) AS items FROM {S}.designations WHERE subject_kind = "
            f"'{kind}' AND deleted_at IS NULL AND level IN ({levels}) AND stage IN ('selected', 'building', "
            f"'recommended', 'recognised') GROUP BY subject_id) l WHERE l.subject_id = t.id"
        )
    op.drop_table("person_posts", schema=S)
    op.drop_table("designation_stages", schema=S)
    op.drop_table("designations", schema=S)
