"""Indexes for the training figures (`GET /v1/training-stats`)

Every filter of services/training/stats/service.py has its index: an organization (or each member of an
alliance, during its membership window) and a date range — so each figure is a range scan per window,
mostly index-only (the covered columns are INCLUDEd). Partial on `deleted_at IS NULL`, as every figure is.

Revision ID: d4f6b8c0e2a4
Revises: c3e5a7b9d1f3
Create Date: 2026-11-25 15:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d4f6b8c0e2a4"
down_revision = "c3e5a7b9d1f3"
branch_labels = None
depends_on = None

SCHEMA = "training"
LIVE = sa.text("deleted_at IS NULL")

# (name, table, key columns, included columns, extra condition)
INDEXES: list[tuple[str, str, list[str], list[str], str | None]] = [
    # programmes ending in a window, by provider — and tagged with an alliance (scope=alliance_programmes)
    ("ix_programmes_stats_provider", "programmes", ["provider_org_id", "end_on"], ["id", "kind"], None),
    (
        "ix_programmes_stats_alliance",
        "programmes",
        ["alliance_id", "end_on"],
        ["id", "kind"],
        "alliance_id IS NOT NULL",
    ),
    # the enrolments of those programmes, summed without visiting the heap
    (
        "ix_enrolments_stats_programme",
        "enrolments",
        ["programme_id"],
        ["status", "days_attended", "hours_attended"],
        None,
    ),
    # internships overlapping a window, by school and by host
    (
        "ix_internships_stats_school",
        "internships",
        ["school_org_id", "end_on"],
        ["start_on", "three_months_or_more", "id"],
        None,
    ),
    (
        "ix_internships_stats_host",
        "internships",
        ["host_org_id", "end_on"],
        ["start_on", "three_months_or_more", "id"],
        None,
    ),
    # teacher practice overlapping a window, by school and by enterprise
    ("ix_teacher_practices_stats_school", "teacher_practices", ["school_org_id", "end_on"], ["start_on", "id"], None),
    (
        "ix_teacher_practices_stats_enterprise",
        "teacher_practices",
        ["enterprise_org_id", "end_on"],
        ["start_on", "id"],
        None,
    ),
    # part-time teaching by the end of its term, by school and by enterprise
    (
        "ix_part_time_teaching_stats_school",
        "part_time_teaching",
        ["school_org_id", "term_end_on"],
        ["class_hours"],
        None,
    ),
    (
        "ix_part_time_teaching_stats_enterprise",
        "part_time_teaching",
        ["enterprise_org_id", "term_end_on"],
        ["class_hours"],
        None,
    ),
    # training bases by owner
    ("ix_training_bases_stats_owner", "training_bases", ["owner_org_id"], ["shared"], None),
]


def upgrade() -> None:
    for name, table, columns, include, extra in INDEXES:
        where = LIVE if extra is None else sa.text(f"deleted_at IS NULL AND {extra}")
        op.create_index(name, table, columns, schema=SCHEMA, postgresql_include=include, postgresql_where=where)


def downgrade() -> None:
    for name, table, *_ in reversed(INDEXES):
        op.drop_index(name, table_name=table, schema=SCHEMA)
