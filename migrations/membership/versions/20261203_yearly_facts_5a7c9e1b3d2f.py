"""Yearly facts of members: `school_year_facts` (with `school_intakes` and `school_major_groups`) and
`enterprise_year_facts` — services/membership/school_facts/models.py, services/membership/enterprise_facts/models.py.

Revision ID: 5a7c9e1b3d2f
Revises: a9d3f5b7c1e2
Create Date: 2026-12-03 19:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "5a7c9e1b3d2f"
down_revision = "a9d3f5b7c1e2"
branch_labels = None
depends_on = None

S = "membership"
CHANNELS = ("regular", "three_two", "five_year", "vocational_bachelor", "nco", "apprenticeship", "social")
DESIGNATIONS = ("national_double_high", "provincial_high_level", "brand", "none")
SIZES = ("large", "medium", "small", "micro")
OWNERSHIPS = ("state_owned", "private", "foreign", "hk_macao_taiwan", "mixed", "collective")


def _in(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} in ({', '.join(repr(v) for v in values)})", name=op.f(f"ck_{table}_{column}"))


def _not_negative(table: str, *columns: str) -> list[sa.CheckConstraint]:
    return [sa.CheckConstraint(f"{c} >= 0", name=op.f(f"ck_{table}_{c}")) for c in columns]


def _year_columns(table: str) -> list:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
    ]


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _keys(table: str) -> list:
    return [
        sa.ForeignKeyConstraint(["org_id"], [f"{S}.organizations.id"], name=op.f(f"fk_{table}_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("org_id", "year", name=f"uq_{table}_org_id_year"),
    ]


def upgrade() -> None:
    t = "school_year_facts"
    counts = ("full_time_students", "classroom_area_m2", "laboratories", "training_rooms", "training_bases")
    op.create_table(
        t,
        *_year_columns(t),
        *(sa.Column(c, sa.Integer(), nullable=True) for c in counts),
        sa.Column("equipment_value_wan", sa.Numeric(14, 2), nullable=True),
        *_stamps(),
        *_not_negative(t, *counts, "equipment_value_wan"),
        *_keys(t),
        schema=S,
    )
    op.create_index("ix_school_year_facts_year", t, ["year", "org_id"], schema=S)
    t = "school_intakes"
    op.create_table(
        t,
        sa.Column("facts_id", sa.Uuid(), nullable=False),
        sa.Column("major_code", sa.String(7), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=True),
        sa.Column("actual", sa.Integer(), nullable=True),
        _in(t, "channel", CHANNELS),
        *_not_negative(t, "planned", "actual"),
        sa.ForeignKeyConstraint(
            ["facts_id"],
            [f"{S}.school_year_facts.id"],
            name=op.f("fk_school_intakes_facts_id_school_year_facts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("facts_id", "major_code", "channel", name=op.f("pk_school_intakes")),
        schema=S,
    )
    t = "school_major_groups"
    op.create_table(
        t,
        sa.Column("facts_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("designation", sa.Text(), nullable=False),
        sa.Column("major_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        _in(t, "designation", DESIGNATIONS),
        sa.ForeignKeyConstraint(
            ["facts_id"],
            [f"{S}.school_year_facts.id"],
            name=op.f("fk_school_major_groups_facts_id_school_year_facts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("facts_id", "name", name=op.f("pk_school_major_groups")),
        schema=S,
    )
    t = "enterprise_year_facts"
    counts = ("staff", "frontline_technical_staff", "rd_staff", "pe_office_staff")
    money = ("revenue_wan", "cooperation_spending_wan", "cooperation_investment_wan", "outside_agreements_wan")
    op.create_table(
        t,
        *_year_columns(t),
        sa.Column("staff", sa.Integer(), nullable=True),
        sa.Column("frontline_technical_staff", sa.Integer(), nullable=True),
        sa.Column("rd_staff", sa.Integer(), nullable=True),
        sa.Column("revenue_wan", sa.Numeric(16, 2), nullable=True),
        sa.Column("size_class", sa.Text(), nullable=True),
        sa.Column("ownership", sa.Text(), nullable=True),
        sa.Column("cooperation_spending_wan", sa.Numeric(14, 2), nullable=True),
        sa.Column("cooperation_investment_wan", sa.Numeric(14, 2), nullable=True),
        sa.Column("outside_agreements_wan", sa.Numeric(14, 2), nullable=True),
        sa.Column("pe_office", sa.Text(), nullable=True),
        sa.Column("pe_office_staff", sa.Integer(), nullable=True),
        *_stamps(),
        _in(t, "size_class", SIZES),
        _in(t, "ownership", OWNERSHIPS),
        *_not_negative(t, *counts, *money),
        *_keys(t),
        schema=S,
    )
    op.create_index("ix_enterprise_year_facts_year", t, ["year", "org_id"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_enterprise_year_facts_year", table_name="enterprise_year_facts", schema=S)
    op.drop_table("enterprise_year_facts", schema=S)
    op.drop_table("school_major_groups", schema=S)
    op.drop_table("school_intakes", schema=S)
    op.drop_index("ix_school_year_facts_year", table_name="school_year_facts", schema=S)
    op.drop_table("school_year_facts", schema=S)
