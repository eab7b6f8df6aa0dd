"""Programmes: the kinds the seeds name apart (特种设备作业人员培训, 现场工程师, 定向/定岗, 学训班, 安全培训), who
commissioned a programme and at which level (国家/省/市/行业 project), its funding source and target groups, and
indexes on `start_on` for the figures that count a class in the period it opens (docs/domain.md, "Programme").

No existing row changes: every programme stays of its kind (a `special_operations` programme that was really 特种设备
training stays `special_operations` until its provider edits it), `project_level` is `none`, the funding source
unknown and the target groups empty.

Revision ID: 4d6f8a0c2e5b
Revises: 9c4e6a8b0d2f
Create Date: 2026-12-03 19:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "4d6f8a0c2e5b"
down_revision = "9c4e6a8b0d2f"
branch_labels = None
depends_on = None

SCHEMA = "training"
OLD_KINDS = (
    "pre_job",
    "on_job",
    "upskilling",
    "reskilling",
    "special_operations",
    "continuing_education",
    "order_class",
    "modern_apprenticeship",
    "enterprise_apprenticeship",
    "teacher_training",
    "social_training",
    "other",
)
NEW_KINDS = ("special_equipment", "field_engineer", "targeted", "study_training", "safety_training")
LEVELS = ("national", "provincial", "municipal", "industry", "none")
FUNDING = (
    "government_subsidy",
    "skills_upgrade_fund",
    "enterprise_funded",
    "self_paid",
    "commissioner_funded",
    "mixed",
    "other",
)
GROUPS = (
    "farmers",
    "migrant_workers",
    "veterans",
    "sergeants",
    "foreign_aid",
    "employees",
    "students",
    "teachers",
    "unemployed",
    "poverty_relief",
    "public",
)


def _list(values: tuple[str, ...]) -> str:
    return ", ".join(repr(v) for v in values)


def _kind_check(kinds: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_programmes_kind"), "programmes", schema=SCHEMA, type_="check")
    op.create_check_constraint(op.f("ck_programmes_kind"), "programmes", f"kind in ({_list(kinds)})", schema=SCHEMA)


def upgrade() -> None:
    _kind_check(OLD_KINDS + NEW_KINDS)
    op.add_column("programmes", sa.Column("commissioned_by", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column("programmes", sa.Column("commissioned_by_org_id", sa.Uuid(), nullable=True), schema=SCHEMA)
    op.add_column(
        "programmes", sa.Column("project_level", sa.Text(), server_default="none", nullable=False), schema=SCHEMA
    )
    op.add_column("programmes", sa.Column("funding_source", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column(
        "programmes",
        sa.Column("target_groups", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        schema=SCHEMA,
    )
    op.create_check_constraint(
        op.f("ck_programmes_project_level"), "programmes", f"project_level in ({_list(LEVELS)})", schema=SCHEMA
    )
    op.create_check_constraint(
        op.f("ck_programmes_funding_source"),
        "programmes",
        f"funding_source is null or funding_source in ({_list(FUNDING)})",
        schema=SCHEMA,
    )
    op.create_check_constraint(
        op.f("ck_programmes_target_groups"),
        "programmes",
        f"target_groups <@ array[{_list(GROUPS)}]::text[]",
        schema=SCHEMA,
    )
    op.create_check_constraint(
        op.f("ck_programmes_commissioned"),
        "programmes",
        "project_level = 'none' or commissioned_by is not null",
        schema=SCHEMA,
    )
    op.create_index("ix_programmes_provider_start_on", "programmes", ["provider_org_id", "start_on"], schema=SCHEMA)
    op.create_index("ix_programmes_alliance_start_on", "programmes", ["alliance_id", "start_on"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_programmes_alliance_start_on", "programmes", schema=SCHEMA)
    op.drop_index("ix_programmes_provider_start_on", "programmes", schema=SCHEMA)
    for name in ("commissioned", "target_groups", "funding_source", "project_level"):
        op.drop_constraint(op.f(f"ck_programmes_{name}"), "programmes", schema=SCHEMA, type_="check")
    for column in ("target_groups", "funding_source", "project_level", "commissioned_by_org_id", "commissioned_by"):
        op.drop_column("programmes", column, schema=SCHEMA)
    # Programmes of the new kinds have no older kind to fall back to: they become `other` (and special equipment
    # training `special_operations`, the kind it was recorded as before).
    op.execute(f"UPDATE {SCHEMA}.programmes SET kind = 'special_operations' WHERE kind = 'special_equipment'")
    op.execute(f"UPDATE {SCHEMA}.programmes SET kind = 'other' WHERE kind IN ({_list(NEW_KINDS[1:])})")
    _kind_check(OLD_KINDS)
