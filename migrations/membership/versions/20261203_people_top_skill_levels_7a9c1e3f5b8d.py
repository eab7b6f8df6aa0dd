"""People's skill levels reach above 一级/高级技师: 特级技师 (`special_technician`) and 首席技师 (`chief_technician`)
(services/membership/people/models.py `SkillLevel`, docs/domain.md "Person"). No existing row changes.

Downgrade: a person at one of the two new levels falls back to `level_1`, the highest level the older check allows.

Revision ID: 7a9c1e3f5b8d
Revises: 3e6b8d0f2a4c
Create Date: 2026-12-03 19:05:00
"""

from alembic import op

revision = "7a9c1e3f5b8d"
down_revision = "3e6b8d0f2a4c"
branch_labels = None
depends_on = None

SCHEMA = "membership"
OLD = ("level_5", "level_4", "level_3", "level_2", "level_1")
NEW = OLD + ("special_technician", "chief_technician")


def _check(levels: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_people_skill_level"), "people", schema=SCHEMA, type_="check")
    op.create_check_constraint(
        op.f("ck_people_skill_level"),
        "people",
        f"skill_level in ({', '.join(repr(v) for v in levels)})",
        schema=SCHEMA,
    )


def upgrade() -> None:
    _check(NEW)


def downgrade() -> None:
    op.execute(
        f"UPDATE {SCHEMA}.people SET skill_level = 'level_1' "
        "WHERE skill_level IN ('special_technician', 'chief_technician')"
    )
    _check(OLD)
