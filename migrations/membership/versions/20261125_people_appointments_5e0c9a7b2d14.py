"""people and appointments (双栖双聘)

`people` keeps the phone only as AES-GCM ciphertext plus its masked form. `appointments` forbids two
live appointments of one (person, host, type) with overlapping inclusive periods by an EXCLUDE
constraint, which needs btree_gist for the `=` parts. btree_gist is a trusted extension, but even a
trusted extension needs CREATE on the database, which the service role does not have: the cluster
admin creates it in this schema at bootstrap; here `if not exists` makes that a no-op (and, where the
role does hold CREATE — a shared role without CREATEROLE — creates it).

Revision ID: 5e0c9a7b2d14
Revises: 3b1c0e7d5a21
Create Date: 2026-11-25 14:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "5e0c9a7b2d14"
down_revision = "3b1c0e7d5a21"
branch_labels = None
depends_on = None

SCHEMA = "membership"


def upgrade() -> None:
    op.execute(f"create extension if not exists btree_gist with schema {SCHEMA}")
    op.create_table(
        "people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_bigrams", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("skill_level", sa.Text(), nullable=True),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("phone_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("phone_masked", sa.String(length=11), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "skill_level in ('level_5', 'level_4', 'level_3', 'level_2', 'level_1')",
            name=op.f("ck_people_skill_level"),
        ),
        sa.CheckConstraint(
            "tags <@ array['dual_qualified', 'skill_master', 'craftsman', 'expert']::text[]",
            name=op.f("ck_people_tags"),
        ),
        sa.CheckConstraint("(phone_ciphertext is null) = (phone_masked is null)", name=op.f("ck_people_phone_pair")),
        sa.ForeignKeyConstraint(
            ["org_id"], [f"{SCHEMA}.organizations.id"], name=op.f("fk_people_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        schema=SCHEMA,
    )
    op.create_index("ix_people_org_id", "people", ["org_id", "id"], unique=False, schema=SCHEMA)
    op.create_index("ix_people_tags", "people", ["tags"], unique=False, schema=SCHEMA, postgresql_using="gin")
    op.create_index(
        "ix_people_name_bigrams", "people", ["name_bigrams"], unique=False, schema=SCHEMA, postgresql_using="gin"
    )
    op.create_index("ix_people_updated_at", "people", ["updated_at", "id"], unique=False, schema=SCHEMA)

    op.create_table(
        "appointments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("host_org_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_type", sa.Text(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "appointment_type in ('industry_professor', 'guest_professor', 'enterprise_mentor', 'part_time_teacher', 'off_campus_counsellor', 'research_assistant')",
            name=op.f("ck_appointments_appointment_type"),
        ),
        sa.CheckConstraint("end_on is null or end_on >= start_on", name=op.f("ck_appointments_period")),
        postgresql.ExcludeConstraint(
            (sa.column("person_id"), "="),
            (sa.column("host_org_id"), "="),
            (sa.column("appointment_type"), "="),
            (sa.text("daterange(start_on, end_on, '[]')"), "&&"),
            name="ex_appointments_no_overlap",
            using="gist",
            where=sa.text("deleted_at is null"),
        ),
        sa.ForeignKeyConstraint(["person_id"], [f"{SCHEMA}.people.id"], name=op.f("fk_appointments_person_id_people")),
        sa.ForeignKeyConstraint(
            ["host_org_id"], [f"{SCHEMA}.organizations.id"], name=op.f("fk_appointments_host_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        schema=SCHEMA,
    )
    op.create_index("ix_appointments_person_id", "appointments", ["person_id", "id"], unique=False, schema=SCHEMA)
    op.create_index("ix_appointments_host_org_id", "appointments", ["host_org_id", "id"], unique=False, schema=SCHEMA)
    op.create_index("ix_appointments_updated_at", "appointments", ["updated_at", "id"], unique=False, schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_appointments_updated_at", table_name="appointments", schema=SCHEMA)
    op.drop_index("ix_appointments_host_org_id", table_name="appointments", schema=SCHEMA)
    op.drop_index("ix_appointments_person_id", table_name="appointments", schema=SCHEMA)
    op.drop_table("appointments", schema=SCHEMA)
    op.drop_index("ix_people_updated_at", table_name="people", schema=SCHEMA)
    op.drop_index("ix_people_name_bigrams", table_name="people", schema=SCHEMA)
    op.drop_index("ix_people_tags", table_name="people", schema=SCHEMA)
    op.drop_index("ix_people_org_id", table_name="people", schema=SCHEMA)
    op.drop_table("people", schema=SCHEMA)
    # Drop btree_gist only when this role created it (an admin-created one is the admin's to keep), and
    # nothing else still uses it.
    op.execute(
        """
        do $$
        begin
            if exists (
                select 1 from pg_extension
                where extname = 'btree_gist' and extowner = (select oid from pg_roles where rolname = current_user)
            ) then
                drop extension btree_gist restrict;
            end if;
        end
        $$
        """
    )
