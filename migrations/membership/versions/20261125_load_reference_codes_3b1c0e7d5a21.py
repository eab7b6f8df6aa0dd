"""load reference codes from the shipped files (chanjiao/refdata)

Regions (NBS 2023), vocational majors (2021 catalogue + 2025 增补), occupations (大典 2022) and
industries (GB/T 4754-2017). Sources and gaps: docs/reference-data.md.

Revision ID: 3b1c0e7d5a21
Revises: 8579f8a83fc3
Create Date: 2026-11-25 13:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from chanjiao import refdata

revision = "3b1c0e7d5a21"
down_revision = "8579f8a83fc3"
branch_labels = None
depends_on = None

_COMMON = ("code", "name", "level", "parent_code")


def _rows(kind: str, rows: list[dict]) -> list[dict]:
    return [
        {
            "kind": kind,
            "code": r["code"],
            "name": r["name"],
            "level": str(r["level"]),
            "parent_code": r["parent_code"],
            "attributes": {k: v for k, v in r.items() if k not in _COMMON},
            "source": "shipped",
        }
        for r in rows
    ]


def upgrade() -> None:
    table = sa.table(
        "reference_codes",
        sa.column("kind", sa.Text),
        sa.column("code", sa.Text),
        sa.column("name", sa.Text),
        sa.column("level", sa.Text),
        sa.column("parent_code", sa.Text),
        sa.column("attributes", postgresql.JSONB),
        sa.column("source", sa.Text),
        schema="membership",
    )
    for kind, rows in (
        ("regions", refdata.regions()),
        ("majors", refdata.majors()),
        ("occupations", refdata.occupations()),
        ("industries", refdata.industries()),
    ):
        op.bulk_insert(table, _rows(kind, rows))


def downgrade() -> None:
    op.execute("delete from membership.reference_codes where source = 'shipped'")
