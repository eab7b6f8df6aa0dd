"""Committees as the seeds run them: status (筹建中/运行/已撤销), a body inside a body (`parent_id`, 专家组),
seats with a rank and a category instead of one `seat_role`, seats held by outside organizations, other bodies
or alliances, the planned composition, and outside experts who may hold positions

Existing seats: `seat_role` becomes (rank, category) by the table `ROLE_TO_RANK` of
services/membership/committees/models.py — director_unit → 主任单位, deputy_director_unit → 副主任单位,
member_unit → 成员单位, training_company_unit → 成员单位 + 教育培训型企业, industry_support_unit → 成员单位 +
产业技术及就业支持企业. Existing committees are `active`. Downgrade maps back (a seat with another rank becomes
member_unit, an expert_group an expert_panel) and drops the seats not held by an organization and the
positions held by outside experts.

Revision ID: 4a7c9e1b3d5f
Revises: b7d2e4f6a8c1
Create Date: 2026-12-03 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "4a7c9e1b3d5f"
down_revision = "b7d2e4f6a8c1"
branch_labels = None
depends_on = None

S = "membership"
RANKS = ("director_unit", "deputy_director_unit", "secretariat_unit", "member_unit", "participant_unit")
CATEGORIES = (
    "school",
    "training_company",
    "industry_support",
    "project_tech_support",
    "pilot_unit",
    "textbook_department",
    "cooperation_department",
    "integration_enterprise",
    "employer",
    "master_studio",
)
BODY_TYPES_BEFORE = (
    "council",
    "standing_council",
    "secretariat",
    "working_committee",
    "specialized_committee",
    "expert_panel",
)
BODY_TYPES = (*BODY_TYPES_BEFORE, "expert_group")
ROLES = ("director_unit", "deputy_director_unit", "member_unit", "training_company_unit", "industry_support_unit")


def _in(column: str, values: tuple[str, ...], *, nullable: bool = False) -> str:
    rule = f"{column} in ({', '.join(repr(v) for v in values)})"
    return f"{column} is null or {rule}" if nullable else rule


def upgrade() -> None:
    op.create_table(
        "outside_experts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("affiliation", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("engaged_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "ended_on is null or engaged_on is null or ended_on >= engaged_on", name=op.f("ck_outside_experts_period")
        ),
        sa.ForeignKeyConstraint(
            ["alliance_id"], [f"{S}.alliances.id"], name=op.f("fk_outside_experts_alliance_id_alliances")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outside_experts")),
        schema=S,
    )
    op.create_index("ix_outside_experts_alliance", "outside_experts", ["alliance_id", "name", "id"], schema=S)

    # committees: status, dissolution, a parent body, the 专家组 body type
    op.add_column("committees", sa.Column("status", sa.Text(), nullable=False, server_default="active"), schema=S)
    op.add_column("committees", sa.Column("dissolved_on", sa.Date(), nullable=True), schema=S)
    op.add_column("committees", sa.Column("parent_id", sa.Uuid(), nullable=True), schema=S)
    op.create_foreign_key(
        op.f("fk_committees_parent_id_committees"),
        "committees",
        "committees",
        ["parent_id"],
        ["id"],
        source_schema=S,
        referent_schema=S,
    )
    op.create_check_constraint(
        op.f("ck_committees_status"), "committees", _in("status", ("preparing", "active", "dissolved")), schema=S
    )
    op.drop_constraint(op.f("ck_committees_body_type"), "committees", schema=S)
    op.create_check_constraint(op.f("ck_committees_body_type"), "committees", _in("body_type", BODY_TYPES), schema=S)

    # seats: rank + category from seat_role; holders other than member organizations
    op.add_column("committee_seats", sa.Column("rank", sa.Text(), nullable=True), schema=S)
    op.add_column("committee_seats", sa.Column("category", sa.Text(), nullable=True), schema=S)
    op.add_column("committee_seats", sa.Column("holder_committee_id", sa.Uuid(), nullable=True), schema=S)
    op.add_column("committee_seats", sa.Column("holder_alliance_id", sa.Uuid(), nullable=True), schema=S)
    op.add_column(
        "committee_seats", sa.Column("outside", sa.Boolean(), nullable=False, server_default="false"), schema=S
    )
    op.execute(
        f"UPDATE {S}.committee_seats SET "
        "rank = CASE seat_role WHEN 'director_unit' THEN 'director_unit' "
        "WHEN 'deputy_director_unit' THEN 'deputy_director_unit' ELSE 'member_unit' END, "
        "category = CASE seat_role WHEN 'training_company_unit' THEN 'training_company' "
        "WHEN 'industry_support_unit' THEN 'industry_support' END"
    )
    op.alter_column("committee_seats", "rank", nullable=False, schema=S)
    op.drop_column("committee_seats", "seat_role", schema=S)  # drops ck_committee_seats_seat_role with it
    op.alter_column("committee_seats", "org_id", nullable=True, schema=S)
    op.create_check_constraint(op.f("ck_committee_seats_rank"), "committee_seats", _in("rank", RANKS), schema=S)
    op.create_check_constraint(
        op.f("ck_committee_seats_category"), "committee_seats", _in("category", CATEGORIES, nullable=True), schema=S
    )
    op.create_check_constraint(
        op.f("ck_committee_seats_one_holder"),
        "committee_seats",
        "num_nonnulls(org_id, holder_committee_id, holder_alliance_id) = 1",
        schema=S,
    )
    op.create_check_constraint(
        op.f("ck_committee_seats_outside_org"), "committee_seats", "not outside or org_id is not null", schema=S
    )
    op.create_foreign_key(
        op.f("fk_committee_seats_holder_committee_id_committees"),
        "committee_seats",
        "committees",
        ["holder_committee_id"],
        ["id"],
        source_schema=S,
        referent_schema=S,
    )
    op.create_foreign_key(
        op.f("fk_committee_seats_holder_alliance_id_alliances"),
        "committee_seats",
        "alliances",
        ["holder_alliance_id"],
        ["id"],
        source_schema=S,
        referent_schema=S,
    )

    # positions: a person of a member, or an outside expert
    op.add_column("committee_positions", sa.Column("expert_id", sa.Uuid(), nullable=True), schema=S)
    op.alter_column("committee_positions", "person_id", nullable=True, schema=S)
    op.create_foreign_key(
        op.f("fk_committee_positions_expert_id_outside_experts"),
        "committee_positions",
        "outside_experts",
        ["expert_id"],
        ["id"],
        source_schema=S,
        referent_schema=S,
    )
    op.create_check_constraint(
        op.f("ck_committee_positions_one_holder"),
        "committee_positions",
        "num_nonnulls(person_id, expert_id) = 1",
        schema=S,
    )

    op.create_table(
        "committee_plan_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("planned_min", sa.Integer(), nullable=False),
        sa.Column("planned_max", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(_in("rank", RANKS, nullable=True), name=op.f("ck_committee_plan_items_rank")),
        sa.CheckConstraint(_in("category", CATEGORIES, nullable=True), name=op.f("ck_committee_plan_items_category")),
        sa.CheckConstraint(
            "rank is not null or category is not null", name=op.f("ck_committee_plan_items_rank_or_category")
        ),
        sa.CheckConstraint(
            "planned_min >= 0 and (planned_max is null or planned_max >= planned_min)",
            name=op.f("ck_committee_plan_items_range"),
        ),
        sa.ForeignKeyConstraint(
            ["committee_id"], [f"{S}.committees.id"], name=op.f("fk_committee_plan_items_committee_id_committees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_plan_items")),
        schema=S,
    )
    op.create_index("ix_committee_plan_items_committee", "committee_plan_items", ["committee_id", "position"], schema=S)


def downgrade() -> None:
    op.drop_table("committee_plan_items", schema=S)
    op.execute(f"DELETE FROM {S}.committee_positions WHERE expert_id IS NOT NULL")
    op.drop_constraint(op.f("ck_committee_positions_one_holder"), "committee_positions", schema=S)
    op.drop_column("committee_positions", "expert_id", schema=S)
    op.alter_column("committee_positions", "person_id", nullable=False, schema=S)

    op.execute(f"DELETE FROM {S}.committee_seats WHERE org_id IS NULL")
    op.add_column("committee_seats", sa.Column("seat_role", sa.Text(), nullable=True), schema=S)
    op.execute(
        f"UPDATE {S}.committee_seats SET seat_role = CASE "
        "WHEN category = 'training_company' THEN 'training_company_unit' "
        "WHEN category = 'industry_support' THEN 'industry_support_unit' "
        "WHEN rank IN ('director_unit', 'deputy_director_unit') THEN rank ELSE 'member_unit' END"
    )
    op.alter_column("committee_seats", "seat_role", nullable=False, schema=S)
    op.create_check_constraint(
        op.f("ck_committee_seats_seat_role"), "committee_seats", _in("seat_role", ROLES), schema=S
    )
    for column in ("rank", "category", "holder_committee_id", "holder_alliance_id", "outside"):
        op.drop_column("committee_seats", column, schema=S)  # their constraints go with them
    op.alter_column("committee_seats", "org_id", nullable=False, schema=S)

    op.execute(f"UPDATE {S}.committees SET body_type = 'expert_panel' WHERE body_type = 'expert_group'")
    op.drop_constraint(op.f("ck_committees_body_type"), "committees", schema=S)
    op.create_check_constraint(
        op.f("ck_committees_body_type"), "committees", _in("body_type", BODY_TYPES_BEFORE), schema=S
    )
    for column in ("status", "dissolved_on", "parent_id"):
        op.drop_column("committees", column, schema=S)
    op.drop_table("outside_experts", schema=S)
