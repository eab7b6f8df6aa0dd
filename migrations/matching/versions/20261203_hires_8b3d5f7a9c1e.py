"""Hires 招录 and the graduate counts schools supply (services/matching/hires/models.py)

No ID number or phone: a person is a name and optionally the school's training learner id.

Revision ID: 8b3d5f7a9c1e
Revises: 7a2c4e6b8d0f
Create Date: 2026-12-03 17:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "8b3d5f7a9c1e"
down_revision = "7a2c4e6b8d0f"
branch_labels = None
depends_on = None

S = "matching"


def upgrade() -> None:
    op.create_table(
        "hires",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_name", sa.Text(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=True),
        sa.Column("school_org_id", sa.Uuid(), nullable=False),
        sa.Column("employer_org_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by_org_id", sa.Uuid(), nullable=False),
        sa.Column("hired_on", sa.Date(), nullable=False),
        sa.Column("post", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("demand_id", sa.Uuid(), nullable=True),
        sa.Column("agreement_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel in ('order_class', 'apprenticeship', 'agreement', 'demand', 'other')",
            name=op.f("ck_hires_channel"),
        ),
        sa.CheckConstraint("status in ('recorded', 'confirmed', 'disputed')", name=op.f("ck_hires_status")),
        sa.CheckConstraint("school_org_id <> employer_org_id", name=op.f("ck_hires_different_orgs")),
        sa.CheckConstraint(
            "recorded_by_org_id in (school_org_id, employer_org_id)", name=op.f("ck_hires_recorder_is_a_party")
        ),
        sa.CheckConstraint("channel <> 'demand' or demand_id is not null", name=op.f("ck_hires_demand_of_channel")),
        sa.CheckConstraint(
            "channel <> 'agreement' or agreement_id is not null", name=op.f("ck_hires_agreement_of_channel")
        ),
        sa.ForeignKeyConstraint(["demand_id"], [f"{S}.demands.id"], name=op.f("fk_hires_demand_id_demands")),
        sa.ForeignKeyConstraint(
            ["agreement_id"], [f"{S}.agreements.id"], name=op.f("fk_hires_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hires")),
        sa.UniqueConstraint(
            "school_org_id", "employer_org_id", "person_name", "hired_on", name=op.f("uq_hires_person_day")
        ),
        schema=S,
    )
    op.create_index("ix_hires_school_org_id", "hires", ["school_org_id", "hired_on"], schema=S)
    op.create_index("ix_hires_employer_org_id", "hires", ["employer_org_id", "hired_on"], schema=S)
    # Synced like demands and offers: `txid` written by the trigger of matching.set_txid() (chanjiao/sync.py).
    op.execute(f"ALTER TABLE {S}.hires ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
    op.execute(f"CREATE INDEX ix_hires_txid ON {S}.hires (txid, id)")
    op.execute(
        f"CREATE TRIGGER hires_txid BEFORE INSERT OR UPDATE ON {S}.hires FOR EACH ROW EXECUTE FUNCTION {S}.set_txid()"
    )
    op.create_table(
        "hire_graduate_counts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("graduates", sa.Integer(), nullable=False),
        sa.Column("in_field", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("graduates >= 0", name=op.f("ck_hire_graduate_counts_graduates")),
        sa.CheckConstraint(
            "in_field is null or (in_field >= 0 and in_field <= graduates)",
            name=op.f("ck_hire_graduate_counts_in_field"),
        ),
        sa.CheckConstraint("year between 1950 and 2100", name=op.f("ck_hire_graduate_counts_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hire_graduate_counts")),
        sa.UniqueConstraint("org_id", "year", name=op.f("uq_hire_graduate_counts_org_year")),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("hire_graduate_counts", schema=S)
    op.execute(f"DROP TRIGGER hires_txid ON {S}.hires")
    op.drop_table("hires", schema=S)
